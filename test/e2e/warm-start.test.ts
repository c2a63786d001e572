// Warm start: before the runner takes a job, the newest ci-storage slot of
// the checkout is loaded from a storage host (sshd + rsync in a container)
// into the checkout dir, so the first job finds the files there.
import t from "tap";
import { containerLogs, runContainer } from "./helpers/container.ts";
import { IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { CHECKOUT_DIR, jobDone, onlineRunners, queueJob, REPO, runnerEnv } from "./helpers/runner-env.ts";
import { createNetwork, startStorageHost } from "./helpers/storage-host.ts";
import { waitUntil } from "./helpers/wait-until.ts";


t.test("the first job finds the newest slot in the checkout dir", async (t) => {
  const network = await createNetwork(t, "warm");
  const storage = await startStorageHost(t, network);
  // {storage root}/{owner}/{repo}/{checkout dir with / as _}/{slot}/, as ci-storage lays it out.
  const storageDir = `/mnt/${REPO}/${CHECKOUT_DIR.replaceAll("/", "_")}`;
  // Ages come from the slot dirs' ctime: the newer slot is made a second later.
  await storage.sh(`mkdir -p ${storageDir} && chown -R storage:storage /mnt/${REPO.split("/")[0]}`);
  await storage.sh(
    `su storage -c 'cd ${storageDir} && mkdir old-slot && echo old > old-slot/marker.txt && sleep 1.1` +
      ` && mkdir -p new-slot/src && echo "from the newest slot" > new-slot/marker.txt && echo "int main() {}" > new-slot/src/main.c'`,
  );

  const { fake, url } = await startGatewayFake(t);
  const id = await runContainer(t, {
    image: IMAGE,
    env: { ...runnerEnv(url, true), CI_STORAGE_HOST: `storage@${storage.name}:22`, CI_STORAGE_PRIVATE_KEY: storage.privateKey },
    args: ["--network", network],
  });
  await waitUntil("the runner online", () => onlineRunners(fake).length === 1);

  const job = await jobDone(fake, queueJob(fake, { run: `cat ${CHECKOUT_DIR}/marker.txt; ls ${CHECKOUT_DIR}/src; stat -c %U ${CHECKOUT_DIR}/marker.txt` }));
  t.equal(job.conclusion, "Succeeded", "the job succeeded");
  t.match(job.log, /^from the newest slot\nmain\.c\nguest\n/, "the newest slot's files are in the checkout dir, owned by guest");
  t.notMatch(await containerLogs(id), /PRIVATE KEY/, "the key never reaches the logs");
});
