// npm run bench:warmstart — the warm start's load against a plain `rsync -a`
// of the same slot over the same ssh, in interleaved rounds, and
// boot-to-"Listening for Jobs" cold vs warm. Needs root, openssh-server and
// rsync (see README.md).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, utimesSync } from "node:fs";
import { parseStorageHost } from "../../src/config/parse-storage-host.ts";
import { rsyncLoadArgs } from "../../src/warmstart/rsync-args.ts";
import { shellJoin } from "../../src/warmstart/shell-quote.ts";
import { sshCommand } from "../../src/warmstart/ssh-options.ts";
import { checkoutDir, localMetaPath, storageDirFor } from "../../src/warmstart/storage-layout.ts";
import { createWarmStartPhase } from "../../src/warmstart/warm-start-phase.ts";
import { phaseHarness } from "../../test/fixtures/warmstart/phase-context.ts";
import { startStorageHost } from "../../test/fixtures/warmstart/storage-host.ts";
import { ensureTestUser } from "../../test/helpers/test-user.ts";
import { percentile } from "../boot/report.ts";
import { bootToListening } from "./boot-to-listening.ts";
import { ensureDataset } from "./dataset.ts";
import { FreshDest, prewarm } from "./fresh-dest.ts";

// The repository the fake GitHub of the rig serves (test/helpers/rig.ts).
const REPO = "octo/hello";
const GOAL = 0.9;

/** Ends the run early without an error (a part that cannot be measured here). */
class Skip extends Error {}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CACHE = process.env.BENCH_WARMSTART_CACHE ?? "/tmp/ci-runner-bench-warmstart";
const say = (m: string) => process.stdout.write(`${m}\n`);
const secs = (x: number) => `${x.toFixed(2)} s`;
const spread = (xs: number[]) =>
  `median ${secs(percentile(xs, 50))}, min ${secs(Math.min(...xs))}, max ${secs(Math.max(...xs))} (${(((Math.max(...xs) - Math.min(...xs)) / percentile(xs, 50)) * 100).toFixed(0)} % of the median)`;

if (process.getuid?.() !== 0) {
  say("bench:warmstart needs root (it starts sshd, mounts a scratch filesystem and runs the load as a second user)");
  process.exit(1);
}

const user = ensureTestUser();
const work = `${CACHE}/work`;
const local = checkoutDir(work, REPO);
const storageRoot = `${CACHE}/storage`;
const slotDir = `${storageDirFor(storageRoot, REPO, local)}/slot-1`;
const name = REPO.split("/")[1] as string;
// The checkout dir's parent is where each round's fresh filesystem is mounted.
const dest = new FreshDest(`${work}/${name}`, name, user, 3);
dest.unmount();
rmSync(`${work}/${name}`, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
execFileSync("chown", [`${user.uid}:${user.gid}`, work]);
const data = ensureDataset(slotDir, say);
say(`slot: ${data.files} files, ${(data.bytes / 1e9).toFixed(2)} GB (${slotDir})`);

const host = await startStorageHost();
const cleanups: (() => unknown)[] = [() => host.stop(), () => dest.unmount()];
try {
  const env = { WORK_DIR: work, GH_REPOSITORY: REPO, CI_STORAGE_HOST: host.spec, CI_STORAGE_DIR: storageRoot, CI_STORAGE_PRIVATE_KEY: host.goodKey };
  const asUser = ["--reuid", String(user.uid), "--regid", String(user.gid), "--init-groups"];
  const keyCopy = `${host.dir}/bench-key`;
  execFileSync("install", ["-m", "600", "-o", String(user.uid), host.goodKeyFile, keyCopy]);
  // The peer's ssh is the ci-storage tool's (its options, plus the key and no prompts);
  // BENCH_WARMSTART_SAME_SSH=1 adds a third contender with the load's own ssh options.
  const toolSshWords = ["ssh", "-oStrictHostKeyChecking=no", "-oUserKnownHostsFile=/dev/null", "-oLogLevel=error", `-p${host.port}`, "-oBatchMode=yes", "-i", keyCopy];
  const loadSshWords = sshCommand(parseStorageHost(host.spec), { keyFile: keyCopy, connectTimeoutSec: 10 });
  // The runner user's home (key, profile) goes to a scratch dir, and the "root" that also
  // gets the key is that same user: the bench must not touch this machine's /root/.ssh.
  const scratchUser = () => {
    const base = `${host.dir}/h-${Date.now()}`;
    mkdirSync(base, { mode: 0o755 });
    return base;
  };
  const noRealRoot = { rootUser: user };
  /** Every timed load starts alike: a new filesystem under the checkout dir, the slot in the page cache, nothing dirty. */
  const ready = () => {
    dest.reset();
    // Fresh as a just-stored slot: the listing takes its age from the ctime, and one generated
    // in an earlier run would be skipped as about to expire (the load then finds nothing).
    utimesSync(slotDir, new Date(), new Date());
    prewarm(slotDir);
    execFileSync("sync");
  };
  const timeIt = async (fn: () => unknown) => {
    ready();
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
  };
  const rsyncA = (ssh: string) => () =>
    execFileSync("setpriv", [...asUser, "rsync", "-a", "-e", ssh, `root@127.0.0.1:${slotDir}/`, `${local}/`], { stdio: "inherit" });
  /** The phase: start (key, home files) and the background load until it settles. */
  const phase = async () => {
    const h = phaseHarness(scratchUser(), user, env);
    try {
      await createWarmStartPhase(noRealRoot).start(h.ctx);
      await h.ctx.background.get("warmstart");
      if (!h.lines.some((l) => l.includes("loaded slot"))) throw new Error(`the load did not succeed:\n${h.lines.join("\n")}`);
    } finally {
      h.done();
    }
  };
  /** `times`: each round's mean of the tool's two loads; `singles`: every load. */
  const tools: { label: string; run: () => unknown; times: number[]; singles: number[] }[] = [
    { label: "warm start load", run: phase, times: [], singles: [] },
    { label: "plain rsync -a", run: rsyncA(shellJoin(toolSshWords)), times: [], singles: [] },
  ];
  if (process.env.BENCH_WARMSTART_SAME_SSH === "1") tools.push({ label: "rsync -a, load's ssh", run: rsyncA(shellJoin(loadSshWords)), times: [], singles: [] });
  const [ours, plain] = tools as [(typeof tools)[0], (typeof tools)[0]];

  dest.reset();
  say(`destination: a new ${dest.kind} filesystem at ${dest.mountPoint} for every load; the slot read into the page cache before each`);
  say("warm-up: one plain rsync -a (not counted)");
  await timeIt(plain.run);
  const ratios: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Each tool twice, in mirrored order (ours, plain, plain, ours; plain first in even rounds):
    // a drift of the machine's load during the round costs every tool alike, whichever ran first.
    const order = i % 2 === 0 ? tools : [...tools].reverse();
    const pair = new Map<(typeof tools)[0], number[]>(tools.map((t) => [t, []]));
    for (const tool of [...order, ...[...order].reverse()]) pair.get(tool)?.push(await timeIt(tool.run));
    for (const [tool, [a = 0, b = 0]] of pair) {
      tool.singles.push(a, b);
      tool.times.push((a + b) / 2);
    }
    const ratio = (ours.times[i] as number) / (plain.times[i] as number);
    ratios.push(ratio);
    const show = (t: (typeof tools)[0]) => `${t.label} ${secs(t.times[i] as number)} (${t.singles.slice(-2).map((x) => x.toFixed(2)).join(", ")})`;
    say(`round ${i + 1}: ${tools.map(show).join(", ")}; ratio ${ratio.toFixed(3)}x`);
  }
  for (const t of tools) say(`${t.label.padEnd(21)} round means: ${spread(t.times)}; single loads: ${spread(t.singles)}`);
  const ratio = percentile(ours.times, 50) / percentile(plain.times, 50);
  const worst = Math.max(...ratios);
  say(
    `load vs plain rsync -a over the same ssh: ratio of medians ${ratio.toFixed(3)}x, per round ${Math.min(...ratios).toFixed(3)}-${worst.toFixed(3)}x ` +
      `(goal <= ${GOAL}x in every round: ${worst <= GOAL ? "met" : `not met in ${ratios.filter((r) => r > GOAL).length} of ${ROUNDS}`})`,
  );

  // What the job's own `ci-storage load` of that slot costs afterwards: into the warm dir vs an empty one.
  const toolArgs = rsyncLoadArgs({ ssh: toolSshWords, source: `root@127.0.0.1:${slotDir}`, localDir: local, asRoot: false });
  const jobLoad = () => execFileSync("setpriv", [...asUser, "rsync", ...toolArgs], { stdio: "ignore" });
  ready();
  await phase();
  const t0 = performance.now();
  jobLoad();
  const jobWarm = (performance.now() - t0) / 1000;
  const jobCold = await timeIt(jobLoad);
  say(`a job's ci-storage load of the same slot: ${secs(jobCold)} into an empty dir, ${secs(jobWarm)} after the warm start (${(jobCold / jobWarm).toFixed(1)}x faster)`);

  // Boot to "Listening for Jobs" through the supervisor (fake GitHub, fake runner).
  const rig = await import("../../test/helpers/rig.ts")
    .then((m) => m.setupRig({ teardown: (fn) => cleanups.push(fn) }))
    .catch((e: unknown) => {
      say(`boot to "Listening for Jobs": not measured, the supervisor rig is not usable here (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
      return undefined;
    });
  if (rig === undefined) throw new Skip();
  const bootEnv = { ...rig.env, ...env, WORK_DIR: work, CI_STORAGE_LOAD_TIMEOUT_SEC: "600" };
  const bootUser = { ...user, home: scratchUser() };
  execFileSync("chown", [`${user.uid}:${user.gid}`, bootUser.home]);
  ready();
  const cold = await bootToListening({ ...bootEnv, CI_STORAGE_HOST: "" }, bootUser, noRealRoot);
  ready();
  const warm = await bootToListening(bootEnv, bootUser, noRealRoot);
  if (!warm.lines.some((l) => l.includes("loaded slot"))) throw new Error(`warm boot did not load:\n${warm.lines.join("\n")}`);
  say(`boot to "Listening for Jobs": cold ${secs(cold.seconds)}, warm ${secs(warm.seconds)} (+${secs(warm.seconds - cold.seconds)} for ${(data.bytes / 1e9).toFixed(2)} GB)`);
} catch (e) {
  if (!(e instanceof Skip)) throw e;
} finally {
  for (const fn of cleanups.reverse()) await fn();
  if (existsSync(localMetaPath(local))) rmSync(localMetaPath(local), { force: true });
}
