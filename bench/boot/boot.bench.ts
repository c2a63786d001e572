// npm run bench:boot — the supervisor (dist/ci-runner.js) against seed 000's
// approach, a bash entrypoint doing the same steps (bash-entrypoint.sh), both
// as PID 1 of their own PID namespace, same fake GitHub, same fake runner:
// boot to "Listening for Jobs", memory while idle, graceful stop.
// Needs root, util-linux (unshare, setpriv), curl and jq (see README.md).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { startFakeGitHub } from "../../test/fakes/github/fake-github.ts";
import { bundleLoad } from "../../test/helpers/bundle-load.ts";
import { BUNDLE } from "../../test/helpers/supervisor-process.ts";
import { ensureTestUser } from "../../test/helpers/test-user.ts";
import { measureRound, type Sample, type Side } from "./measure-round.ts";
import { formatRound, formatTable, percentile } from "./report.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 2000);
const IDLE_RSS_GOAL_MIB = 45;
const say = (m: string) => process.stdout.write(`${m}\n`);
const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");

/** Debian package of each command the bench runs. */
const NEEDED: Record<string, string> = { unshare: "util-linux", setpriv: "util-linux", useradd: "passwd", curl: "curl", jq: "jq", bash: "bash" };

function missingCommands(): string[] {
  return Object.keys(NEEDED).filter((c) => {
    try {
      execFileSync("sh", ["-c", `command -v ${c}`], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
}

if (process.getuid?.() !== 0) {
  say("bench:boot needs root (PID namespaces, and the runner runs as a second user, ci-runner-test)");
  process.exit(1);
}
const missing = missingCommands();
if (missing.length) {
  say(`bench:boot: missing ${missing.join(", ")}: apt-get install ${[...new Set(missing.map((c) => NEEDED[c]))].join(" ")}`);
  process.exit(1);
}
if (!existsSync(BUNDLE)) {
  say(`bench:boot: ${BUNDLE} is missing: npm run build`);
  process.exit(1);
}

const ours: Side = { label: "ci-runner", argv: [process.execPath, BUNDLE] };
const bash: Side = { label: "bash", argv: ["/bin/bash", fileURLToPath(new URL("./bash-entrypoint.sh", import.meta.url))] };
const bashVersion = /version (\S+)/.exec(execFileSync("bash", ["--version"]).toString())?.[1] ?? "?";
const cores = readFileSync("/proc/cpuinfo", "utf8").match(/^processor\s*:/gm)?.length ?? 0;
const bundle = bundleLoad(dirname(BUNDLE), ["ci-runner.js", "ci-runner-supervisor-command"]);
say(`node ${process.version}, bash ${bashVersion}, ${cores} cores, bundle read at boot ${(bundle.bytes / 1e6).toFixed(2)} MB in ${bundle.files.length} files; ${ROUNDS} rounds, ${IDLE_MS} ms idle before reading memory`);
say(`load average at start: ${load()}`);

const fake = await startFakeGitHub();
try {
  const opts = { fake, user: ensureTestUser(), idleMs: IDLE_MS, timeoutMs: 60_000 };
  // One unmeasured round each: page cache, the test user, node's compile cache.
  for (const side of [ours, bash]) await measureRound(side, opts);
  const samples = new Map<Side, Sample[]>([[ours, []], [bash, []]]);
  for (let i = 1; i <= ROUNDS; i++) {
    // Alternate the order so that drift on a shared machine hits both sides.
    for (const side of i % 2 ? [ours, bash] : [bash, ours]) {
      const s = await measureRound(side, opts);
      samples.get(side)?.push(s);
      say(formatRound(i, side.label, s));
    }
  }
  const exits = [...samples.values()].flat().map((s) => s.exitCode);
  say("");
  say(formatTable(ours.label, samples.get(ours) ?? [], bash.label, samples.get(bash) ?? []));
  const idle = percentile((samples.get(ours) ?? []).map((s) => s.pid1RssMiB), 50);
  say(`PID 1 RSS with the runner idle: ${idle.toFixed(1)} MiB, goal <= ${IDLE_RSS_GOAL_MIB} MiB: ${idle <= IDLE_RSS_GOAL_MIB ? "met" : "missed"} (issue 12; Node's own floor, node -e 0, is about 40 MiB)`);
  say(`exit codes after SIGTERM: ${[...new Set(exits)].join(", ")} (143 expected); registrations left on the fake: ${fake.runners().length}`);
  say(`load average at end: ${load()}`);
} finally {
  await fake.close();
}
