// A stop can land inside a window no log line marks: a GitHub request in
// flight. Each window is held open by the fake (a request GitHub has not
// answered yet) and the signal sent inside it: the supervisor exits
// 128 + signal and leaves no registration on GitHub.
import t from "tap";
import { generateKeyPairSync } from "node:crypto";
import { FAKE_PAT } from "../fakes/github/fake-github.ts";
import { REPO, setupRig, type Rig } from "../helpers/rig.ts";

/** A fault that holds the matching request until released; resolves `arrived` when it comes. */
function hold(rig: Rig, t: { teardown(fn: () => void): void }, method: string, path: RegExp): { arrived: Promise<void>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const arrived = new Promise<void>((onArrive) => rig.fake.fault({ method, path, until: gate, onArrive, times: 1 }));
  t.teardown(release);
  return { arrived, release };
}

/** One JIT registration made and removed through the fake's API. */
async function warmJitKey(rig: Rig): Promise<void> {
  const headers = { authorization: `Bearer ${FAKE_PAT}`, "content-type": "application/json" };
  const res = await fetch(`${rig.fake.apiUrl}/repos/${REPO}/actions/runners/generate-jitconfig`, {
    method: "POST",
    headers,
    body: JSON.stringify({ name: "warm-up", labels: ["self-hosted"], runner_group_id: 1 }),
  });
  const { runner } = (await res.json()) as { runner: { id: number } };
  await fetch(`${rig.fake.apiUrl}/repos/${REPO}/actions/runners/${runner.id}`, { method: "DELETE", headers });
}

t.test("JIT: SIGTERM while generate-jitconfig is unanswered waits for GitHub's answer, then removes what it registered", async (t) => {
  const rig = await setupRig(t);
  const { arrived, release } = hold(rig, t, "POST", /\/actions\/runners\/generate-jitconfig$/);
  const sup = rig.start({ RUNNER_JIT: "1" });
  await arrived;
  sup.signal("SIGTERM");
  await sup.waitForLine(/SIGTERM received: graceful shutdown/);
  release();
  t.equal((await sup.exited).code, 143);
  t.match(sup.output(), /registered JIT runner/, "the answer was taken");
  t.same(rig.fake.runners().map((r) => r.name), [], "and its registration removed");
});

t.test("JIT: a second SIGTERM abandons the unanswered generate-jitconfig; what GitHub registered all the same is found by name and removed", async (t) => {
  const rig = await setupRig(t);
  // The fake's JIT key is made by its first JIT registration: made now, GitHub's late registration is not slowed by it.
  await warmJitKey(rig);
  const { arrived, release } = hold(rig, t, "POST", /\/actions\/runners\/generate-jitconfig$/);
  const sup = rig.start({ RUNNER_JIT: "1" });
  await arrived;
  sup.signal("SIGTERM");
  await sup.waitForLine(/SIGTERM received: graceful shutdown/);
  sup.signal("SIGTERM");
  await sup.waitForLine(/SIGTERM received again/);
  // GitHub answers after the second signal: a supervisor still waiting would take the answer.
  release();
  t.equal((await sup.exited).code, 143);
  t.notMatch(sup.output(), /registered JIT runner/, "the request was abandoned at the second signal");
  t.same(rig.fake.runners().map((r) => r.name), [], "nothing left registered");
});

t.test("SIGTERM while the registration token is unanswered: the stop does not wait for GitHub, nothing registered", async (t) => {
  const rig = await setupRig(t);
  // The prefetch's request and the runner phase's own.
  const { arrived } = hold(rig, t, "POST", /\/actions\/runners\/registration-token$/);
  const sup = rig.start();
  await arrived;
  sup.signal("SIGTERM");
  t.equal((await sup.exited).code, 143);
  t.notMatch(sup.output(), /no answer from/, "ended by the stop, not by the request's idle timeout");
  t.same(rig.fake.runners().map((r) => r.name), [], "nothing registered");
});

t.test("GitHub App: SIGTERM while its installation lookup is unanswered: an answer after the stop is not taken, nothing registered", async (t) => {
  const rig = await setupRig(t);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  rig.fake.registerApp({ appId: 4242, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() });
  const { arrived, release } = hold(rig, t, "GET", /\/installation$/);
  const sup = rig.start({ GH_TOKEN: "", GH_APP_ID: "4242", GH_APP_PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }).toString() });
  await arrived;
  sup.signal("SIGTERM");
  await sup.waitForLine(/SIGTERM received: graceful shutdown/);
  // GitHub answers after the stop: a supervisor still waiting would take the answer.
  release();
  t.equal((await sup.exited).code, 143);
  t.notMatch(sup.output(), /GitHub App 4242: installation/, "the lookup was abandoned at the stop");
  t.same(rig.fake.runners().map((r) => r.name), [], "nothing registered");
});
