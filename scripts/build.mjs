#!/usr/bin/env node
// Builds dist/ci-runner.js (the CommonJS entry), the runner image's supervisor
// (dist/ci-runner-supervisor-command.js, CommonJS), the other commands' ES
// modules and chunks (dist/ci-runner-*.mjs, esbuild) and the N-API addons
// dist/reaper.node and dist/splice-relay.node. One script so that `npm run build`, .ci/run and the Dockerfile's
// build stage all produce the same artifacts.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, chmodSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCjsCommand } from "./build-cjs-command.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
mkdirSync(join(root, "dist"), { recursive: true });

// node-gyp against the headers of the node that runs this build; nodedir
// keeps it offline (no header download). The N-API addons: PID 1's reaper,
// the forwarder's splice relay.
const nodedir = dirname(dirname(process.execPath));
for (const [dir, addon] of [["src/pid1/native", "reaper.node"], ["src/forward/native", "splice-relay.node"]]) {
  execFileSync(
    process.execPath,
    [require.resolve("node-gyp/bin/node-gyp.js"), "rebuild", `--nodedir=${nodedir}`, "--silent"],
    { cwd: join(root, dir), stdio: "inherit" },
  );
  copyFileSync(join(root, dir, "build/Release", addon), join(root, "dist", addon));
}

// Chunks of an earlier build go first (their names carry a content hash).
for (const f of readdirSync(join(root, "dist"))) if (/^ci-runner-.*\.m?js$/.test(f)) rmSync(join(root, "dist", f));

/** Parts of dockerode the controller never uses, whose dependencies (gRPC, protobuf, ssh2) would triple its size. */
const dockerUnused = {
  name: "docker-unused",
  setup(b) {
    const stub = (what) => ({ path: what, namespace: "docker-unused" });
    b.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (a) => (a.importer.includes("/dockerode/") ? stub(`dockerode ${a.path.slice(2)} (image builds)`) : undefined));
    b.onResolve({ filter: /^ssh2$/ }, (a) => (a.importer.includes("/docker-modem/") ? stub("DOCKER_HOST=ssh://") : undefined));
    b.onLoad({ filter: /.*/, namespace: "docker-unused" }, (a) => ({
      contents: `const no = () => { throw new Error(${JSON.stringify(`not in the ci-runner bundle: ${a.path}`)}); }; module.exports = no; module.exports.Client = no;`,
    }));
  },
};

/**
 * @octokit/rest stays the REST client, but its table of ~1,000 endpoint
 * methods (octokit.rest.*, 0.1 MB of the bundle) goes: the supervisor only
 * calls octokit.request(route). Measured in README "Start-up and memory".
 */
const octokitEndpointMethods = {
  name: "octokit-endpoint-methods",
  setup(b) {
    b.onResolve({ filter: /^@octokit\/plugin-rest-endpoint-methods$/ }, () => ({ path: "octokit.rest", namespace: "octokit-endpoint-methods" }));
    b.onLoad({ filter: /.*/, namespace: "octokit-endpoint-methods" }, () => ({
      contents: `const rest = new Proxy({}, { get(_, scope) { if (typeof scope === "symbol") return undefined; throw new Error("octokit.rest." + scope + " is not in the ci-runner bundle: call octokit.request(route)"); } });
export const restEndpointMethods = () => ({ rest });
export const legacyRestEndpointMethods = () => ({ rest });`,
    }));
  },
};

/**
 * The runner image's supervisor (the entrypoint, `config`, `forward`, `CMD ...`) is CommonJS: a file that the
 * entry require()s, and a lazy file per phase only some configurations use (scripts/build-cjs-command.mjs). Loaded
 * as ES modules (the command and the eleven chunks it imports), its boot spent 7-10 ms more CPU before config.sh,
 * on Node 20 and on Node 24 with the compile cache alike (bench/boot/cpu-to-config.ts): the ES module loader
 * resolving, linking and instantiating each file, and a facade of every export of each builtin a chunk imports
 * (README "Start-up and memory").
 */
const CJS_COMMANDS = new Set(["ci-runner-supervisor-command"]);

/**
 * The entry's dynamic imports (each command's code) are not bundled into it: each becomes an entry of its own,
 * dist/ci-runner-NAME.js for CJS_COMMANDS, else an ES module dist/ci-runner-NAME.mjs, collected here for the
 * builds below.
 */
const commands = {};
const cjsCommands = {};
const commandModules = {
  name: "command-modules",
  setup(b) {
    b.onResolve({ filter: /\.ts$/ }, (a) => {
      if (a.kind !== "dynamic-import") return undefined;
      const name = `ci-runner-${basename(a.path, ".ts")}`;
      const file = join(a.resolveDir, a.path);
      const cjs = CJS_COMMANDS.has(name);
      const taken = { ...commands, ...cjsCommands }[name];
      // Two commands of one name would share one output: the entry would run the wrong one.
      if (taken !== undefined && taken !== file) throw new Error(`two commands would both be dist/${name}: ${taken} and ${file}`);
      if (!cjs) {
        commands[name] = file;
        return { path: `./${name}.mjs`, external: true };
      }
      cjsCommands[name] = file;
      // require(), not import(): an import() of a CommonJS file goes through the ES module loader all the same.
      return { path: `./${name}.js`, namespace: "cjs-command" };
    });
    b.onResolve({ filter: /.*/, namespace: "cjs-command" }, (a) => ({ path: a.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: "cjs-command" }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});\n`, loader: "js" }));
  },
};

/**
 * The stop signals held from the first statement on (src/pid1/handle-signals.ts) must be one copy for the
 * entry and the commands' code: that module is a CommonJS file of its own, dist/ci-runner-signals.js, which both
 * load. Not the entry itself: importing that would run a command (scripts/fill-compile-cache.mjs imports chunks).
 * The commands' ES modules require() it (through a small module that exports what it exports): an import would
 * make Node parse it for its exports first, 0.25 MiB of an idle PID 1.
 */
const HANDLE_SIGNALS = join(root, "src/pid1/handle-signals.ts");
const SIGNALS_FILE = "./ci-runner-signals.js";
const signalsFile = (required) => ({
  name: "signals-file",
  setup(b) {
    b.onResolve({ filter: /\/handle-signals\.ts$/ }, (a) =>
      join(a.resolveDir, a.path) !== HANDLE_SIGNALS ? undefined : required ? { path: SIGNALS_FILE, namespace: "signals-file" } : { path: SIGNALS_FILE, external: true },
    );
    b.onResolve({ filter: /.*/, namespace: "signals-file" }, (a) => ({ path: a.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: "signals-file" }, (a) => ({
      contents: `const signals = require(${JSON.stringify(a.path)});\nexport const { ${Object.keys(require(join(root, "dist", a.path))).join(", ")} } = signals;\n`,
      loader: "js",
    }));
  },
});

const common = { bundle: true, platform: "node", target: "node20", minify: false, sourcemap: false, legalComments: "none", logLevel: "warning" };

// The entry is CommonJS: on Node 20 an ES module entry costs `ci-runner help` 10-25 % of Node's whole start
// (its loader), and the entry alone (the first statement's guards, the compile cache, `help`) needs none of it.
// dist/package.json makes Node read dist/*.js as CommonJS in a checkout whose package.json says "module".
await build({
  ...common,
  entryPoints: [join(root, "src/main.ts")],
  outfile: join(root, "dist/ci-runner.js"),
  format: "cjs",
  plugins: [commandModules, signalsFile(false)],
  // compile-cache.ts and close-debugger.ts find what lies beside the bundle from import.meta.url.
  define: { "import.meta.url": "__ciRunnerUrl" },
  banner: { js: ["#!/usr/bin/env node", "\"use strict\";", 'const __ciRunnerUrl = require("node:url").pathToFileURL(__filename).href;'].join("\n") },
});
await build({ ...common, entryPoints: [HANDLE_SIGNALS], outfile: join(root, "dist", SIGNALS_FILE), format: "cjs" });
// The forwarder's second thread (src/forward/relay-worker.ts) runs this file: a Worker takes a file, not a chunk.
// Its splice addon lies beside it, found from import.meta.url as in the entry.
await build({
  ...common,
  entryPoints: [join(root, "src/forward/relay-thread.ts")],
  outfile: join(root, "dist/ci-runner-relay-thread.js"),
  format: "cjs",
  define: { "import.meta.url": "__ciRunnerUrl" },
  banner: { js: ['"use strict";', 'const __ciRunnerUrl = require("node:url").pathToFileURL(__filename).href;'].join("\n") },
});
writeFileSync(join(root, "dist/package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);

// The supervisor: CommonJS (see CJS_COMMANDS), its lazy phases in files of their own.
for (const [name, file] of Object.entries(cjsCommands)) {
  await buildCjsCommand(build, {
    root,
    outdir: join(root, "dist"),
    name,
    entry: relative(root, file),
    options: {
      ...common,
      plugins: [octokitEndpointMethods, signalsFile(false)],
      // The reaper addon is loaded from beside the bundle, not bundled.
      external: ["*.node"],
      // As in the entry: what lies beside the bundle is found from import.meta.url.
      define: { "import.meta.url": "__ciRunnerUrl" },
      banner: { js: ["\"use strict\";", 'const __ciRunnerUrl = require("node:url").pathToFileURL(__filename).href;'].join("\n") },
    },
  });
}

// The other commands' code: ES module entries and the chunks they share (a phase only some configurations use is
// a chunk of its own, loaded when its variable turns it on).
await build({
  ...common,
  entryPoints: commands,
  outdir: join(root, "dist"),
  entryNames: "[name]",
  chunkNames: "ci-runner-[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  splitting: true,
  format: "esm",
  plugins: [dockerUnused, octokitEndpointMethods, signalsFile(true)],
  // The reaper addon is loaded from beside the bundle, not bundled.
  external: ["*.node"],
  banner: {
    js: [
      'import { createRequire as __ciRunnerCreateRequire } from "node:module";',
      "const require = __ciRunnerCreateRequire(import.meta.url);",
    ].join("\n"),
  },
});
chmodSync(join(root, "dist/ci-runner.js"), 0o755);
