// Scaling down can hit a container at any moment of its boot. Whenever the
// stop lands - before the hooks, during config.sh, while run.sh starts - the
// supervisor exits 128 + signal and leaves no registration behind.
import t from "tap";
import { setupRig } from "../helpers/rig.ts";

const MODES: Record<string, Record<string, string>> = {
  persistent: {},
  ephemeral: { RUNNER_EPHEMERAL: "1" },
  jit: { RUNNER_JIT: "1" },
};

for (const [mode, vars] of Object.entries(MODES)) {
  t.test(`${mode}: SIGTERM on each line of the boot leaves nothing registered`, async (t) => {
    const rig = await setupRig(t);
    const probe = rig.start(vars);
    await probe.waitForLine(/Listening for Jobs/);
    probe.signal("SIGTERM");
    t.equal((await probe.exited).code, 143, "the probe run itself drains");
    const boot = probe.lines.slice(0, probe.lines.findIndex((l) => /Listening for Jobs/.test(l)));
    t.ok(boot.length >= 3, `the boot prints lines to stop on (${boot.length})`);

    // Each distinct line (the runner's banner repeats some), without its timestamp.
    const texts = [...new Set(boot.map((l) => l.replace(/^\[[^\]]*\]\s*/, "")))];
    for (const [i, text] of texts.entries()) {
      const sup = rig.start(vars);
      // Ids and ports differ from run to run.
      const pattern = new RegExp(escape(text).replace(/\d+/g, "\\d+"));
      const seen = await sup.waitForLine(pattern).then(() => true, () => false);
      t.ok(seen, `line ${i + 1} printed again: ${text}`);
      sup.signal(seen ? "SIGTERM" : "SIGKILL");
      const { code } = await sup.exited;
      t.equal(code, 143, `stop after line ${i + 1} (${text.slice(0, 60)}): exit 143`);
      t.same(rig.fake.runners().map((r) => r.name), [], `stop after line ${i + 1}: nothing registered`);
    }
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
