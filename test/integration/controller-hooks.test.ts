// WEBHOOK_HOST: the controller keeps its own hook on the fake GitHub (one,
// found across pages, updated on restart instead of duplicated), signs with
// a secret it generated once and keeps 0600, redelivers failed deliveries
// once, and serves on when it may not manage hooks.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { REPO, startControllerRig } from "../helpers/controller-rig.ts";
import { fakeRestCaller } from "../helpers/fake-rest-call.ts";

const hooksPath = `/repos/${REPO}/hooks`;

t.test("its hook: created behind a page of others, updated (the extra one deleted) on restart; the secret generated once, 0600", async (t) => {
  const rig = await startControllerRig(t, {}, {
    selfHook: true,
    before: async (gh) => {
      const { call } = fakeRestCaller(gh);
      for (let i = 0; i < 100; i++) await call("POST", hooksPath, { body: { events: ["push"], config: { url: `https://elsewhere.example/${i}`, content_type: "json" } } });
    },
  });
  const { gh, hook } = rig;
  const url = hook.spec.url;
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/webhook$/, "WEBHOOK_HOST + /webhook");
  const secretFile = join(rig.dataDir, "secrets", "default");
  const secret = readFileSync(secretFile, "utf8");
  t.match(secret, /^[0-9a-f]{64}$/, "32 random bytes");
  t.equal(statSync(secretFile).mode & 0o777, 0o600, "mode 0600");
  t.equal(statSync(join(rig.dataDir, "secrets")).mode & 0o777, 0o700);
  t.equal(hook.spec.secret, secret, "the hook signs with it");
  const { call } = fakeRestCaller(gh);
  t.match((await call("GET", `${hooksPath}/${hook.id}`)).body, { active: true, events: ["workflow_job"], config: { url, content_type: "json", insecure_ssl: "0" } });
  const [first] = rig.queueMatrix(1);
  await gh.waitFor(() => gh.job(first!)?.status === "completed");
  t.equal(gh.job(first!)?.conclusion, "Succeeded", "a job delivered through its hook ran");

  // A second hook to the same URL (another event, so GitHub allowed it): it would deliver every job twice.
  const extra = (await call("POST", hooksPath, { body: { events: ["push"], config: { url, content_type: "json" } } })).body as { id: number };
  await rig.crashAndRestart();
  await rig.waitForLine(new RegExp(`webhook ${hook.id} of repository ${REPO} updated`));
  await rig.waitForLine(new RegExp(`webhook ${extra.id} of repository ${REPO} deleted: a second hook`));
  t.equal(gh.restHooks(`repos/${REPO}`).findIndex((h) => h.id === hook.id), 100, "its hook is the 101st: on the second page");
  t.ok(gh.requests().some((r) => r.method === "GET" && /\/hooks\?.*page=2/.test(r.path)), "the second page was listed");
  const ours = gh.restHooks(`repos/${REPO}`).filter((h) => h.spec.url === url);
  t.same(ours.map((h) => h.id), [hook.id], "one hook to its URL, the same one");
  t.equal(gh.restHooks(`repos/${REPO}`).length, 101, "the others untouched");
  t.equal(readFileSync(secretFile, "utf8"), secret, "the same secret after the restart");
  t.equal(ours[0]?.spec.secret, secret);
  t.equal(rig.lines.filter((l) => /webhook \d+ of repository \S+ created/.test(l)).length, 1, "created once");
  const [second] = rig.queueMatrix(1);
  await gh.waitFor(() => gh.job(second!)?.status === "completed");
  t.notOk(rig.lines.some((l) => l.includes(secret)), "the secret is in no log line");
  t.notOk(rig.lines.some((l) => /refused \(unauthorized\)/.test(l)), "every delivery verified");
});

t.test("a failed delivery is redelivered, once, and its job runs", async (t) => {
  // No reconciliation after the first: only the redelivery can bring the job.
  const rig = await startControllerRig(t, { REDELIVERY_INTERVAL_SEC: "1", RECONCILE_INTERVAL_SEC: "86400" }, { selfHook: true });
  const { gh, hook } = rig;
  await rig.waitForLine(/ready/);
  const endFailure = hook.fail((action) => action === "queued", 502);
  const [job] = rig.queueMatrix(1);
  const failed = await gh.waitFor(() => hook.deliveries().find((d) => d.jobId === job && d.status === 502));
  endFailure();
  await rig.waitForLine(new RegExp(`redelivery asked of webhook ${hook.id} of repository ${REPO}: workflow_job queued delivery ${failed.guid} of .* had failed \\(Invalid HTTP Response: 502\\)`));
  await gh.waitFor(() => gh.job(job!)?.status === "completed");
  const attempts = (): number => gh.requests().filter((r) => r.method === "POST" && r.path.includes(`/deliveries/${failed.id}/attempts`)).length;
  const looks = (): number => gh.requests().filter((r) => r.method === "GET" && /\/hooks\/\d+\/deliveries/.test(r.path)).length;
  const seen = looks();
  await gh.waitFor(() => looks() >= seen + 2);
  t.equal(attempts(), 1, "asked once, though later looks saw it");
  t.match(hook.deliveries().filter((d) => d.guid === failed.guid), [{ redelivery: false, status: 502 }, { redelivery: true, status: 202 }], "the redelivery was accepted");
  t.equal(rig.lines.filter((l) => l.includes(`delivery ${failed.guid}`)).length, 1, "one line");
});

for (const status of [403, 404]) {
  t.test(`${status} on hooks: one line naming the scope and the permission; jobs still served`, async (t) => {
    const rig = await startControllerRig(
      t,
      { WEBHOOK_HOST: "https://ci.example.com", REDELIVERY_INTERVAL_SEC: "1" },
      { before: (gh) => void gh.fault({ path: hooksPath, status }) },
    );
    const { gh } = rig;
    const line = await rig.waitForLine(/managing the webhook of/);
    t.match(line, new RegExp(`warning: managing the webhook of repository ${REPO}: GH_TOKEN: GitHub answered ${status} .* to GET /${hooksPath.slice(1)}: .*"Webhooks: write".*admin:repo_hook on ${REPO}`));
    const looks = (): number => gh.requests().filter((r) => r.path.startsWith(`/api/v3${hooksPath}`)).length;
    const seen = looks();
    await gh.waitFor(() => looks() >= seen + 2);
    t.equal(rig.lines.filter((l) => /managing the webhook/.test(l)).length, 1, "one line, not one per try");
    const [job] = rig.queueMatrix(1);
    await gh.waitFor(() => gh.job(job!)?.status === "completed");
    t.equal(gh.job(job!)?.conclusion, "Succeeded", "the controller serves on");
    gh.clearFaults();
    await rig.waitForLine(new RegExp(`webhook \\d+ of repository ${REPO} created: workflow_job to https://ci.example.com/webhook`));
    await rig.waitForLine(/managing the webhook of repository \S+: works again/);
  });
}

t.test("an organization's hook: made on the organization, delivering its repositories' jobs", async (t) => {
  const org = REPO.split("/")[0]!;
  const rig = await startControllerRig(t, { GH_REPOSITORY: "", GH_ORG: org }, { selfHook: true });
  const { gh, hook } = rig;
  t.same(gh.restHooks(`orgs/${org}`).map((h) => h.id), [hook.id], "one hook, on the organization");
  t.same(gh.restHooks(`repos/${REPO}`), [], "none on the repository");
  const [job] = rig.queueMatrix(1);
  await gh.waitFor(() => gh.job(job!)?.status === "completed");
  t.equal(gh.job(job!)?.conclusion, "Succeeded");
});

t.test("later looks at the deliveries list only back to the previous look: one page, not the whole window", async (t) => {
  // The hook it will find (WEBHOOK_HOST's URL; nothing listens there), with 150 older failed deliveries: two pages of 100.
  const host = "http://127.0.0.1:9";
  const rig = await startControllerRig(t, { WEBHOOK_HOST: host, REDELIVERY_INTERVAL_SEC: "1" }, {
    before: async (gh) => {
      const { call } = fakeRestCaller(gh);
      await call("POST", hooksPath, { body: { events: ["workflow_job"], config: { url: `${host}/webhook`, content_type: "json" } } });
      const hook = gh.restHooks(`repos/${REPO}`)[0]!;
      for (let i = 0; i < 150; i++) await hook.ping();
      await hook.settled();
      hook.age(3600_000);
    },
  });
  const { gh } = rig;
  await rig.waitForLine(new RegExp(`webhook \\d+ of repository ${REPO} updated: workflow_job to ${host}/webhook`));
  const looks = () => gh.requests().filter((r) => r.method === "GET" && /\/hooks\/\d+\/deliveries/.test(r.path));
  const paged = (r: { path: string }): boolean => /[?&]cursor=/.test(r.path);
  // The first look pages through the whole window...
  const firstPage2 = await gh.waitFor(() => {
    const i = looks().findIndex(paged);
    return i >= 0 ? i + 1 : undefined;
  });
  t.equal(looks().slice(0, firstPage2).filter(paged).length, 1, "the first look: two pages, the 151 deliveries");
  // ... later looks stop at the first page's first delivery (an hour old, before the previous look).
  await gh.waitFor(() => looks().length >= firstPage2 + 4);
  t.same(looks().slice(firstPage2).filter(paged).map((r) => r.path), [], "four later looks, no second page");
});
