import { docker, IMAGE } from "./docker.ts";

let bundle: Promise<string> | undefined;

/**
 * Whether the supervisor inside the image under test contains `needle` (a
 * phase factory or a variable name). esbuild drops what main.ts does not
 * use, so this tells a scenario whether its feature is wired in yet: a
 * scenario whose feature is missing is skipped with a reason, not failed.
 */
export async function supervisorHas(needle: string | RegExp): Promise<boolean> {
  bundle ??= docker(["run", "--rm", "--network", "none", "--entrypoint", "cat", IMAGE, "/opt/ci-runner/ci-runner.js"]).then((r) => r.stdout);
  const text = await bundle;
  return typeof needle === "string" ? text.includes(needle) : needle.test(text);
}
