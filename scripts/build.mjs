#!/usr/bin/env node
// Builds dist/ci-runner.js (one esbuild bundle) and dist/reaper.node (the
// N-API reaper). One script so that `npm run build`, .ci/run and the
// Dockerfile's build stage all produce the same artifacts.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, chmodSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
mkdirSync(join(root, "dist"), { recursive: true });

// node-gyp against the headers of the node that runs this build; nodedir
// keeps it offline (no header download).
const nodedir = dirname(dirname(process.execPath));
execFileSync(
  process.execPath,
  [require.resolve("node-gyp/bin/node-gyp.js"), "rebuild", `--nodedir=${nodedir}`, "--silent"],
  { cwd: join(root, "src/pid1/native"), stdio: "inherit" },
);
copyFileSync(join(root, "src/pid1/native/build/Release/reaper.node"), join(root, "dist/reaper.node"));

// `ci-runner controller` is a chunk of its own, loaded only by that command:
// the runner's boot parses none of dockerode or prom-client. Chunks of an
// earlier build go first (their names carry a content hash).
for (const f of readdirSync(join(root, "dist"))) if (/^ci-runner-.*\.js$/.test(f)) rmSync(join(root, "dist", f));

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

await build({
  entryPoints: { "ci-runner": join(root, "src/main.ts") },
  outdir: join(root, "dist"),
  splitting: true,
  chunkNames: "ci-runner-[name]-[hash]",
  plugins: [dockerUnused, octokitEndpointMethods],
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: false,
  sourcemap: false,
  legalComments: "none",
  // The reaper addon is loaded from beside the bundle, not bundled.
  external: ["*.node"],
  banner: {
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __ciRunnerCreateRequire } from "node:module";',
      "const require = __ciRunnerCreateRequire(import.meta.url);",
    ].join("\n"),
  },
  logLevel: "warning",
});
chmodSync(join(root, "dist/ci-runner.js"), 0o755);
