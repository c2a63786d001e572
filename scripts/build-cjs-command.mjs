// Builds one command as CommonJS for scripts/build.mjs: dist/NAME.js, and each
// module it loads with import() (a phase only some configurations use) as a
// file of its own, dist/ci-runner-lazy-BASE.js, that the command require()s
// when that import() runs. CommonJS has no code splitting, so the modules a
// lazy file shares with the command's file come from that file at run time
// (dist/NAME.js exports them as `__shared`): one instance of each, as ES
// module chunks would have it (one logger, one BootError class for instanceof),
// and the lazy file bundles only the rest. What two lazy files share and the
// command's file does not hold is in both (test/unit/bundle-lazy-files.test.ts
// names where that is harmless).
import { basename, join, relative } from "node:path";

const SKIP = { ciRunnerSkip: true };
const lazyName = (spec) => `ci-runner-lazy-${basename(spec, ".ts").replace(/^@/, "").replace(/[^\w.-]+/g, "-")}`;

/** `module.exports = require(path)` for an import of `path` (namespace `cjs-require`), kept external. */
function requireOf(b) {
  b.onResolve({ filter: /.*/, namespace: "cjs-require" }, (a) => ({ path: a.path, external: true }));
  b.onLoad({ filter: /.*/, namespace: "cjs-require" }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});\n`, loader: "js" }));
}

/** The command's dynamic imports become require()s of their lazy files, collected in `lazy` (name -> file). */
const splitLazy = (lazy) => ({
  name: "split-lazy",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (a) => {
      if (a.kind !== "dynamic-import" || a.pluginData === SKIP) return undefined;
      const r = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, importer: a.importer, pluginData: SKIP });
      if (r.errors.length || r.external) return undefined;
      const name = lazyName(a.path);
      if (lazy[name] !== undefined && lazy[name] !== r.path) throw new Error(`two lazy modules would both be dist/${name}.js: ${lazy[name]} and ${r.path}`);
      lazy[name] = r.path;
      return { path: `./${name}.js`, namespace: "cjs-require" };
    });
    requireOf(b);
  },
});

/** A lazy file's imports of `shared` modules (paths relative to root) read the command file's instances. */
const fromCommand = (root, shared, commandFile) => ({
  name: "from-command",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (a) => {
      if (a.pluginData === SKIP || a.namespace !== "file" || a.kind === "entry-point") return undefined;
      const r = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, importer: a.importer, pluginData: SKIP });
      if (r.errors.length || r.external || r.namespace !== "file") return undefined;
      const key = relative(root, r.path);
      return shared.has(key) ? { path: key, namespace: "from-command" } : undefined;
    });
    b.onResolve({ filter: /.*/, namespace: "from-command" }, (a) => ({ path: a.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: "from-command" }, (a) => ({
      contents: `module.exports = require(${JSON.stringify(`./${commandFile}`)}).__shared[${JSON.stringify(a.path)}];\n`,
      loader: "js",
    }));
  },
});

/** Source files (relative to root) of a build's metafile. */
const inputsOf = (result) => new Set(Object.keys(result.metafile.inputs).filter((f) => !f.includes(":")));

/**
 * Builds `entry` (the command's source) into dist/`name`.js and its lazy files. `options` are esbuild's (bundle,
 * platform, plugins, define, banner...), used for every file.
 */
export async function buildCjsCommand(build, { root, outdir, name, entry, options }) {
  const common = { ...options, absWorkingDir: root, format: "cjs", bundle: true };
  const lazy = {};
  const probe = { ...common, write: false, metafile: true };
  const command = inputsOf(await build({ ...probe, entryPoints: [entry], plugins: [...common.plugins, splitLazy(lazy)] }));
  // What each lazy module needs that the command's file holds: from there.
  const shared = new Set();
  for (const file of Object.values(lazy)) {
    for (const input of inputsOf(await build({ ...probe, entryPoints: [file] }))) if (command.has(input)) shared.add(input);
  }
  const keys = [...shared].sort();
  const registry = [
    `export * from ${JSON.stringify(join(root, entry))};`,
    ...keys.map((k, i) => `import * as m${i} from ${JSON.stringify(join(root, k))};`),
    `export const __shared = { ${keys.map((k, i) => `${JSON.stringify(k)}: m${i}`).join(", ")} };`,
  ].join("\n");
  await build({
    ...common,
    stdin: { contents: registry, resolveDir: root, sourcefile: `${name} (with its modules for its lazy files)`, loader: "js" },
    outfile: join(outdir, `${name}.js`),
    plugins: [...common.plugins, splitLazy({})],
  });
  for (const [lazyFile, file] of Object.entries(lazy)) {
    // A lazy module's own import()s are bundled into its file.
    await build({ ...common, entryPoints: [file], outfile: join(outdir, `${lazyFile}.js`), plugins: [fromCommand(root, shared, `${name}.js`), ...common.plugins] });
  }
  return { lazy: Object.keys(lazy), shared: keys };
}
