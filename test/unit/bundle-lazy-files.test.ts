// The supervisor is CommonJS (scripts/build-cjs-command.mjs): each phase only some configurations use is a lazy
// file of its own, which must take every module the supervisor's file holds from that file. A module bundled into
// both would run as two instances: a BootError thrown by a lazy phase would not be the supervisor's BootError
// (its exit code lost), a second logger would miss the masked secrets.
import t from "tap";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/supervisor-process.ts";

const DIST = join(REPO_ROOT, "dist");
const COMMAND = "ci-runner-supervisor-command.js";

/** The source files esbuild bundled into a file: it names each in a `// path` line where its code starts. */
const modulesOf = (file: string) => new Set([...readFileSync(join(DIST, file), "utf8").matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm)].map((m) => m[1] as string));

const lazyFiles = readdirSync(DIST).filter((f) => /^ci-runner-lazy-.*\.js$/.test(f));

t.test("the supervisor's phases that only some configurations use are lazy files of their own", async (t) => {
  t.ok(lazyFiles.length >= 4, `dist has ${lazyFiles.length} lazy files (forwarding, the spot watch, CloudWatch, the runner update, ...)`);
  const command = readFileSync(join(DIST, COMMAND), "utf8");
  for (const f of lazyFiles) t.ok(command.includes(`require("./${f}")`), `${COMMAND} requires ${f} when it is used`);
});

t.test("no module is both in the supervisor's file and in a lazy file", async (t) => {
  const command = modulesOf(COMMAND);
  t.ok(command.has("src/log/logger.ts"), "the supervisor's file holds the logger");
  for (const f of lazyFiles) {
    const twice = [...modulesOf(f)].filter((m) => command.has(m));
    t.same(twice, [], `${f} holds no copy of a module of ${COMMAND}`);
    t.match(readFileSync(join(DIST, f), "utf8"), /require\("\.\/ci-runner-supervisor-command\.js"\)\.__shared\[/, `${f} takes the shared modules from ${COMMAND}`);
  }
});

// What two lazy files share and the supervisor's file does not hold is in each of them. Only where that is harmless:
// forwarding's code in the entrypoint's phase and in the `forward` command (never both in one process), and the
// IMDS client of the spot watch and of CloudWatch (no state of its own). Another module twice must be looked at.
const HARMLESS_TWICE = /^src\/(forward\/|cloud\/imds-client\.ts$)/;

t.test("a module in two lazy files is one known to be harmless there", async (t) => {
  const seen = new Map<string, string>();
  for (const f of lazyFiles) {
    for (const m of modulesOf(f)) {
      const other = seen.get(m);
      if (other !== undefined && other !== f && !HARMLESS_TWICE.test(m)) t.fail(`${m} is in both ${other} and ${f}`);
      seen.set(m, f);
    }
  }
  t.pass("checked");
});
