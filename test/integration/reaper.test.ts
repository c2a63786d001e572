// The orphan reaper seen from outside: a fixture (test/fixtures/pid1/) runs
// as PID 1 of a fresh PID namespace (unshare, util-linux) or as a plain
// process, and prints what a user could check with ps.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import t from "tap";
import { HANG_GUARD_MS } from "../helpers/hang-guard.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Run {
  code: number | null;
  lines: string[];
  /** The value printed as `key=value`, if any. */
  get(key: string): string | undefined;
}

function fixture(scenario: string, pid1: boolean): Promise<Run> {
  const node = [process.execPath, "--import", "tsx", "test/fixtures/pid1/reaper-fixture.ts", scenario];
  const userns = process.getuid?.() === 0 ? [] : ["--user", "--map-root-user"];
  const argv = pid1 ? ["unshare", ...userns, "--pid", "--fork", "--mount-proc", "--kill-child", ...node] : node;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
      // unshare --fork ignores SIGTERM, and so does a PID 1 without a handler;
      // SIGKILL to unshare takes the namespace down with it (--kill-child).
      timeout: HANG_GUARD_MS,
      killSignal: "SIGKILL",
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = out.split("\n").filter((l) => l !== "");
      const get = (key: string) => lines.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
      resolve({ code, lines, get });
    });
  });
}

// All at once: they mostly sleep.
const runs = {
  orphans: fixture("orphans", true),
  noReaper: fixture("orphans-no-reaper", true),
  exitCodes: fixture("exit-codes", true),
  subreaper: fixture("subreaper", false),
  noAddon: fixture("no-addon", false),
};

const notPid1 = (r: Run) => r.lines.filter((l) => / warning: not PID 1 \(pid \d+\)/.test(l));

t.test("as PID 1, 200 orphans of a hook leave no zombie", async (t) => {
  const r = await runs.orphans;
  t.equal(r.code, 0, r.lines.join("\n"));
  t.equal(r.get("pid"), "1");
  t.equal(r.get("zombies"), "0");
  t.same(notPid1(r), []);
});

t.test("without the reaper the same hook leaves 200 zombies (the check can fail)", async (t) => {
  const r = await runs.noReaper;
  t.equal(r.code, 0, r.lines.join("\n"));
  t.equal(r.get("pid"), "1");
  t.equal(r.get("zombies"), "200");
});

t.test("node's own children keep their exit codes while orphans are reaped", async (t) => {
  const r = await runs.exitCodes;
  const codes = Array.from({ length: 50 }, (_, i) => (i * 53) % 256);
  t.equal(r.code, 0, r.lines.join("\n"));
  t.equal(r.get("pid"), "1");
  t.equal(r.get("codes"), codes.join(","));
  t.equal(r.get("sync"), codes.slice(0, 5).join(","), "spawnSync statuses");
  t.equal(r.get("killed"), "null/SIGTERM", "a signalled child reports its signal");
  t.equal(r.get("zombies"), "0");
});

t.test("not PID 1: a child subreaper adopts and reaps orphans of a grandchild, says so once", async (t) => {
  const r = await runs.subreaper;
  t.equal(r.code, 0, r.lines.join("\n"));
  t.not(r.get("pid"), "1");
  t.ok(Number(r.get("adopted")) > 0, `orphans came to us: adopted=${r.get("adopted")}`);
  t.equal(r.get("zombies"), "0");
  t.equal(notPid1(r).length, 1, "one 'not PID 1' warning for two starts");
});

t.test("without reaper.node: one warning, children still work", async (t) => {
  const r = await runs.noAddon;
  t.equal(r.code, 0, r.lines.join("\n"));
  t.equal(r.lines.filter((l) => l.includes("warning: reaper.node not found")).length, 1);
  t.equal(r.get("code"), "7");
});
