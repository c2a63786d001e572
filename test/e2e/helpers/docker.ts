import { runCommand, type CommandResult, type RunOptions } from "./run-command.ts";

/** The Debian CLI: /usr/local/bin/docker (first on PATH here) has no buildx. */
export const DOCKER = process.env.DOCKER ?? "/usr/bin/docker";

/** Images under test, built by scripts/image-offline.sh (scripts/test-e2e.sh passes the tags). */
export const IMAGE = process.env.E2E_IMAGE ?? "ci-runner:local";
export const EPHEMERAL_IMAGE = process.env.E2E_EPHEMERAL_IMAGE ?? "ci-runner:ephemeral-local";
/** The local Debian base the images were built on (for helper images). */
export const BASE_IMAGE = process.env.E2E_BASE_IMAGE ?? "ci-runner-local/debian:bookworm";

/** Label on everything the e2e suite creates, so that a later run can clean up after a crashed one. */
export const E2E_LABEL = "ci-runner-e2e=1";

/** Runs the docker CLI; rejects on a non-zero exit unless `check: false`. */
export function docker(args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  return runCommand(DOCKER, args, opts);
}

/**
 * The host's address as containers see it through `host-gateway` (the
 * default bridge's gateway): the fake GitHub listens there, and only there.
 */
export async function hostGateway(): Promise<string> {
  if (process.env.E2E_HOST_GATEWAY) return process.env.E2E_HOST_GATEWAY;
  const { stdout } = await docker(["run", "--rm", "--network", "none", "--add-host", "gw:host-gateway", BASE_IMAGE, "getent", "hosts", "gw"]);
  const ip = stdout.trim().split(/\s+/)[0];
  if (!ip) throw new Error("cannot resolve host-gateway");
  return ip;
}

/** Exit code of a stopped container (`docker inspect`). */
export async function containerExitCode(id: string): Promise<number> {
  const { stdout } = await docker(["inspect", "-f", "{{.State.ExitCode}}", id]);
  return Number(stdout.trim());
}
