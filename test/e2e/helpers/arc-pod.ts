import { parse } from "yaml";
import { FAKE_PAT, type FakeGitHub } from "../../fakes/github/fake-github.ts";
import { runPod, type Pod, type PodOptions, type PodSpec } from "./pod.ts";
import { LABEL, REPO } from "./runner-env.ts";
import { waitUntil } from "./wait-until.ts";

/** The gha-runner-scale-set chart and controller version the tests' pod specs mirror. */
export const ARC_VERSION = "0.14.2";

/**
 * What ARC's controller does before it creates a runner's pod: a JIT config
 * for a runner of the scale set (LABEL), whose work folder is the runner
 * container's `workingDir` when the pod spec sets one, and otherwise left to
 * GitHub's default, `_work`.
 */
export async function issueJitConfig(fake: FakeGitHub, name: string, workingDir?: string): Promise<string> {
  const res = await fetch(`${fake.url}/api/v3/repos/${REPO}/actions/runners/generate-jitconfig`, {
    method: "POST",
    headers: { authorization: `Bearer ${FAKE_PAT}`, "content-type": "application/json" },
    body: JSON.stringify({ name, runner_group_id: 1, labels: [LABEL], ...(workingDir ? { work_folder: workingDir } : {}) }),
  });
  if (res.status !== 201) throw new Error(`generate-jitconfig answered ${res.status}`);
  return ((await res.json()) as { encoded_jit_config: string }).encoded_jit_config;
}

/**
 * Runs the pod that ARC's controller makes of a chart-rendered pod spec
 * (YAML, as `helm template` prints the scale set's template): the spec as
 * written, plus what the controller appends to the `runner` container's env
 * (the JIT config from the runner's Secret, the user agent, the deprecated
 * version exit code). Returns once the runner is online.
 */
export async function runArcPod(
  t: { teardown(fn: () => unknown): void },
  yaml: string,
  opts: Omit<PodOptions, "secrets"> & { readonly fake: FakeGitHub },
): Promise<{ pod: Pod; jit: string }> {
  const spec = parse(yaml) as PodSpec;
  const runner = spec.containers.find((c) => c.name === "runner");
  if (!runner) throw new Error("the pod spec has no container named runner");
  const jit = await issueJitConfig(opts.fake, opts.name, runner.workingDir);
  const controllerEnv = [
    { name: "ACTIONS_RUNNER_INPUT_JITCONFIG", valueFrom: { secretKeyRef: { name: opts.name, key: "jitToken" } } },
    { name: "GITHUB_ACTIONS_RUNNER_EXTRA_USER_AGENT", value: `actions-runner-controller/${ARC_VERSION}` },
    { name: "ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE", value: "1" },
  ];
  const containers = spec.containers.map((c) => (c === runner ? { ...c, env: [...(c.env ?? []), ...controllerEnv] } : c));
  const pod = await runPod(t, { ...spec, containers }, { ...opts, secrets: { [opts.name]: { jitToken: jit } } });
  await waitUntil(`runner ${opts.name} online`, () => opts.fake.runner(opts.name, `repos/${REPO}`)?.status === "online");
  return { pod, jit };
}
