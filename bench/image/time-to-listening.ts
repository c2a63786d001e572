import { spawn } from "node:child_process";
import { DOCKER, docker, E2E_LABEL } from "../../test/e2e/helpers/docker.ts";

/** One measured start: seconds from `docker run` to "Listening for Jobs", and the container's name. */
export interface Start {
  readonly seconds: number;
  readonly name: string;
}

let counter = 0;

/**
 * Runs `image` attached (as `docker run` in a terminal would) and times the
 * first "Listening for Jobs" line on its output. The container keeps running
 * (for RSS readings) until `docker rm -f` by the caller; a start that prints
 * no such line within `timeoutMs` rejects with its output.
 */
export function timeToListening(image: string, env: Record<string, string>, timeoutMs = 120_000): Promise<Start> {
  const name = `ci-runner-bench-${process.pid}-${++counter}`;
  const args = ["run", "--rm", "--name", name, "--label", E2E_LABEL, "--add-host", "host.docker.internal:host-gateway", "--tmpfs", "/mnt:exec"];
  for (const [k, v] of Object.entries(env)) args.push("-e", `${k}=${v}`);
  const started = process.hrtime.bigint();
  const child = spawn(DOCKER, [...args, image], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void docker(["rm", "-f", name], { check: false });
      reject(new Error(`${image}: no "Listening for Jobs" within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    const onData = (b: Buffer): void => {
      output += b.toString("utf8");
      if (!/Listening for Jobs/.test(output)) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.stderr.off("data", onData);
      resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, name });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(`${image} exited before listening:\n${output.slice(-2000)}`));
    });
  });
}

/** Resident memory of `pid` inside container `name`, in MB (VmRSS). */
export async function rssMb(name: string, pid: number | string): Promise<number> {
  const { stdout } = await docker(["exec", name, "sh", "-c", `grep VmRSS /proc/${pid}/status`]);
  const kb = Number(/(\d+)\s*kB/.exec(stdout)?.[1]);
  return kb / 1024;
}
