import { FAKE_PAT, type FakeGitHub, type FakeJob, type JobSpec } from "../../fakes/github/fake-github.ts";
import { waitUntil } from "./wait-until.ts";

/** The repository and label every scenario's runners serve. */
export const REPO = "octo/hello";
export const LABEL = "e2e";
/** The runner's default checkout dir for REPO with WORK_DIR=/mnt. */
export const CHECKOUT_DIR = "/mnt/hello/hello";

/** What a container needs to register against the fake at `url` (the PAT only for plain `docker run`). */
export function runnerEnv(url: string, withToken = false): Record<string, string> {
  return { GH_URL: url, GH_REPOSITORY: REPO, GH_LABELS: LABEL, ...(withToken ? { GH_TOKEN: FAKE_PAT } : {}) };
}

/** Online runners of the fake, by name. */
export function onlineRunners(fake: FakeGitHub): string[] {
  return fake.runners().filter((r) => r.status === "online").map((r) => r.name);
}

/** Queues a job for LABEL and returns its id. */
export function queueJob(fake: FakeGitHub, spec: Omit<JobSpec, "labels"> = {}): number {
  return fake.queueJob({ labels: [LABEL], ...spec });
}

/** Waits until job `id` has completed and returns it. */
export function jobDone(fake: FakeGitHub, id: number, timeoutMs?: number): Promise<FakeJob> {
  return waitUntil(`job ${id} to complete`, () => {
    const job = fake.job(id);
    return job?.status === "completed" ? job : undefined;
  }, timeoutMs === undefined ? {} : { timeoutMs });
}
