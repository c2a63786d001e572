import t from "tap";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setupRig, LABELS } from "../helpers/rig.ts";

t.test("secrets never reach the job's environment or any output", async (t) => {
  const rig = await setupRig(t);
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----";
  writeFileSync(join(rig.secretsDir, "CI_STORAGE_PRIVATE_KEY"), key);
  // A careless hook that prints its environment.
  writeFileSync(join(rig.rootHooks, "entrypoint.10-leaky.sh"), "env\n");
  const sup = rig.start();
  await sup.waitForLine(/Listening for Jobs/);
  const job = rig.fake.queueJob({ labels: LABELS.split(","), name: "env", run: "env; cat /proc/$PPID/environ | tr '\\0' '\\n'" });
  await rig.fake.waitFor(() => rig.fake.job(job)?.status === "completed");
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);

  const jobLog = rig.fake.job(job)?.log ?? "";
  t.match(jobLog, /RUNNER_MANUALLY_TRAP_SIG=1/, "the job log holds the environment");
  // Registration tokens the fake issued, read from its request log's answers.
  const pat = rig.env.GH_TOKEN as string;
  for (const [what, text] of [["job environment", jobLog], ["supervisor output", sup.output()]] as const) {
    t.notMatch(text, pat, `${what}: no PAT`);
    t.notMatch(text, /^GH_TOKEN=/m, `${what}: no GH_TOKEN variable`);
    t.notMatch(text, /b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ/, `${what}: no private key`);
    t.notMatch(text, /ACTIONS_RUNNER_INPUT_TOKEN/, `${what}: no registration token variable`);
  }
  const regBodies = rig.fake.requests().filter((r) => /runner-registration$/.test(r.path));
  t.ok(regBodies.length > 0, "config.sh registered through the fake");
  const authz = regBodies.map((r) => String(r.headers.authorization ?? "").replace(/^RemoteAuth /, ""));
  for (const token of authz) {
    t.notMatch(sup.output(), token, "registration token absent from output");
    t.notMatch(jobLog, token, "registration token absent from the job");
  }
  t.notMatch(readFileSync(rig.stateFile, "utf8"), pat);
});
