// npm run bench:warmstart — the warm start's load against a plain `rsync -a`
// of the same slot over the same ssh, and boot-to-"Listening for Jobs" cold
// vs warm. Needs root, openssh-server and rsync (see README.md).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { parseStorageHost } from "../../src/config/parse-storage-host.ts";
import { emptyDir } from "../../src/warmstart/empty-dir.ts";
import { rsyncLoadArgs } from "../../src/warmstart/rsync-args.ts";
import { shellJoin } from "../../src/warmstart/shell-quote.ts";
import { sshCommand } from "../../src/warmstart/ssh-options.ts";
import { checkoutDir, localMetaPath, storageDirFor } from "../../src/warmstart/storage-layout.ts";
import { createWarmStartPhase } from "../../src/warmstart/warm-start-phase.ts";
import { phaseHarness } from "../../test/fixtures/warmstart/phase-context.ts";
import { startStorageHost } from "../../test/fixtures/warmstart/storage-host.ts";
import { ensureTestUser } from "../../test/helpers/test-user.ts";
import { bootToListening } from "./boot-to-listening.ts";

// The repository the fake GitHub of the rig serves (test/helpers/rig.ts).
const REPO = "octo/hello";
import { ensureDataset } from "./dataset.ts";

/** Ends the run early without an error (a part that cannot be measured here). */
class Skip extends Error {}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CACHE = process.env.BENCH_WARMSTART_CACHE ?? "/tmp/ci-runner-bench-warmstart";
const say = (m: string) => process.stdout.write(`${m}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const secs = (x: number) => `${x.toFixed(2)} s`;

if (process.getuid?.() !== 0) {
  say("bench:warmstart needs root (it starts sshd and runs the load as a second user)");
  process.exit(1);
}

const user = ensureTestUser();
const work = `${CACHE}/work`;
const local = checkoutDir(work, REPO);
const storageRoot = `${CACHE}/storage`;
const slotDir = `${storageDirFor(storageRoot, REPO, local)}/slot-1`;
mkdirSync(local, { recursive: true });
execFileSync("chown", [`${user.uid}:${user.gid}`, work, `${work}/${REPO.split("/")[1]}`, local]);
const data = ensureDataset(slotDir, say);
say(`slot: ${data.files} files, ${(data.bytes / 1e9).toFixed(2)} GB (${slotDir})`);

const host = await startStorageHost();
const cleanups: (() => unknown)[] = [() => host.stop()];
try {
  const env = { WORK_DIR: work, GH_REPOSITORY: REPO, CI_STORAGE_HOST: host.spec, CI_STORAGE_DIR: storageRoot, CI_STORAGE_PRIVATE_KEY: host.goodKey };
  const asUser = ["--reuid", String(user.uid), "--regid", String(user.gid), "--init-groups"];
  const keyCopy = `${host.dir}/bench-key`;
  execFileSync("install", ["-m", "600", "-o", String(user.uid), host.goodKeyFile, keyCopy]);
  const sshWords = sshCommand(parseStorageHost(host.spec), { keyFile: keyCopy, connectTimeoutSec: 10 });
  const ssh = shellJoin(sshWords);
  // The runner user's home (key, profile) goes to a scratch dir, and the "root" that also
  // gets the key is that same user: the bench must not touch this machine's /root/.ssh.
  const scratchUser = () => {
    const base = `${host.dir}/h-${Date.now()}`;
    mkdirSync(base, { mode: 0o755 });
    return base;
  };
  const noRealRoot = { rootUser: user };
  const timeIt = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return (performance.now() - t0) / 1000;
  };

  /** The baseline: `rsync -a` of the slot into the empty checkout dir, same user, same ssh. */
  const plain = () => {
    emptyDir(local);
    return timeIt(() => execFileSync("setpriv", [...asUser, "rsync", "-a", "-e", ssh, `root@127.0.0.1:${slotDir}/`, `${local}/`], { stdio: "inherit" }));
  };
  /** The phase: start (key, home files) and the background load until it settles. */
  const phase = async () => {
    emptyDir(local);
    const h = phaseHarness(scratchUser(), user, env);
    try {
      const t0 = performance.now();
      await createWarmStartPhase(noRealRoot).start(h.ctx);
      await h.ctx.background.get("warmstart");
      const s = (performance.now() - t0) / 1000;
      const summary = h.lines.find((l) => l.includes("loaded slot"));
      if (!summary) throw new Error(`the load did not succeed:\n${h.lines.join("\n")}`);
      return s;
    } finally {
      h.done();
    }
  };

  say("warm-up: one plain rsync (page cache)");
  plain();
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate the order so that drift on a shared machine hits both sides.
    if (i % 2 === 0) {
      ours.push(await phase());
      theirs.push(plain());
    } else {
      theirs.push(plain());
      ours.push(await phase());
    }
    say(`round ${i + 1}: warm start load ${secs(ours[i] as number)}, plain rsync -a ${secs(theirs[i] as number)}`);
  }
  const ratio = median(ours) / median(theirs);
  say(`load: warm start ${secs(median(ours))} vs plain rsync -a ${secs(median(theirs))} (medians of ${ROUNDS}): ratio ${ratio.toFixed(3)}x (goal <= 1.05x)`);

  // What the job's own `ci-storage load` of that slot costs afterwards: into the warm dir vs an empty one.
  const toolArgs = rsyncLoadArgs({ ssh: sshWords, source: `root@127.0.0.1:${slotDir}`, localDir: local, asRoot: false });
  const jobLoad = () => timeIt(() => execFileSync("setpriv", [...asUser, "rsync", ...toolArgs], { stdio: "ignore" }));
  const jobWarm = jobLoad();
  emptyDir(local);
  const jobCold = jobLoad();
  say(`a job's ci-storage load of the same slot: ${secs(jobCold)} into an empty dir, ${secs(jobWarm)} after the warm start (${(jobCold / jobWarm).toFixed(1)}x faster)`);

  // Boot to "Listening for Jobs" through the supervisor (fake GitHub, fake runner).
  // The rig (fake GitHub, fake runner) is the lead's; without it, only the load is measured.
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
  emptyDir(local);
  const cold = await bootToListening({ ...bootEnv, CI_STORAGE_HOST: "" }, bootUser, noRealRoot);
  emptyDir(local);
  const warm = await bootToListening(bootEnv, bootUser, noRealRoot);
  if (!warm.lines.some((l) => l.includes("loaded slot"))) throw new Error(`warm boot did not load:\n${warm.lines.join("\n")}`);
  say(`boot to "Listening for Jobs": cold ${secs(cold.seconds)}, warm ${secs(warm.seconds)} (+${secs(warm.seconds - cold.seconds)} for ${(data.bytes / 1e9).toFixed(2)} GB)`);
} catch (e) {
  if (!(e instanceof Skip)) throw e;
} finally {
  for (const fn of cleanups.reverse()) await fn();
  rmSync(localMetaPath(local), { force: true });
}
