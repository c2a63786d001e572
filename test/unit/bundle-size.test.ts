// The bundle's size budget (as zx keeps one): what each command makes Node
// read and compile at start. A change that goes over has either made code
// load that a configuration does not use (make it a chunk of its own:
// lazyPhase, a dynamic import) or really needs the room: then raise the
// budget here and in README "Start-up and memory", with the new figures of
// `npm run bench:startup` and `npm run bench:boot`.
import t from "tap";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleBytes, bundleLoad } from "../helpers/bundle-load.ts";
import { REPO_ROOT } from "../helpers/supervisor-process.ts";

const DIST = join(REPO_ROOT, "dist");
const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;

/** Budgets in bytes: the sizes measured when they were set, plus about 10%. */
const BUDGETS: readonly { what: string; entries: readonly string[]; budget: number }[] = [
  { what: "`ci-runner help` (and `health`'s start)", entries: ["ci-runner.js"], budget: 14_000 },
  { what: "the runner's boot (`ci-runner` with no command)", entries: ["ci-runner.js", "ci-runner-supervisor-command"], budget: 285_000 },
  { what: "`ci-runner controller`", entries: ["ci-runner.js", "ci-runner-run-controller"], budget: 830_000 },
];

t.test("the bundle is built", async (t) => {
  t.ok(existsSync(join(DIST, "ci-runner.js")), "dist/ci-runner.js exists (npm run build)");
});

for (const { what, entries, budget } of BUDGETS) {
  t.test(`${what} loads at most ${kB(budget)} of the bundle`, async (t) => {
    const { files, bytes } = bundleLoad(DIST, entries);
    t.ok(bytes <= budget, `${what} loads ${kB(bytes)} in ${files.length} files, over its budget of ${kB(budget)}`);
  });
}

// The supervisor's CommonJS files and the controller's ES modules each hold their own copy of the code they share,
// and so do the two lazy files of forwarding (the entrypoint's phase, the `forward` command).
t.test("the whole bundle is at most 1,320 kB", async (t) => {
  const bytes = bundleBytes(DIST);
  t.ok(bytes <= 1_320_000, `dist/*.js is ${kB(bytes)}, over its budget of 1,320 kB`);
});

// Loading the supervisor's file must not load node:crypto (several ms of every start, 0.6 MiB of an idle PID 1):
// only some runner names and a GitHub App's key need it, and they load it then (src/node-crypto.ts).
t.test("the runner's boot does not load node:crypto with its code", async (t) => {
  const probe = `require(${JSON.stringify(join(DIST, "ci-runner-supervisor-command.js"))}); process.stdout.write(process.moduleLoadList.filter((m) => /^NativeModule (crypto|tls|https)$/.test(m)).join(","))`;
  const dir = mkdtempSync(join(tmpdir(), "ci-runner-crypto-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A script file: `node -e` loads node:crypto by itself.
  writeFileSync(join(dir, "probe.cjs"), probe);
  // In an empty environment: tap gives every child it starts its hooks (NODE_OPTIONS), which load node:crypto.
  const out = execFileSync("/bin/sh", ["-c", 'exec env -i "$0" "$1"', process.execPath, join(dir, "probe.cjs")]).toString();
  t.equal(out, "", "no node:crypto, tls or https");
});
