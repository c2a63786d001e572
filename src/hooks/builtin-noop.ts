import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The image keeps a copy of the root hooks it ships here, beside the bundle (Dockerfile), to recognise them: a hook
 * a derived image replaced or edited differs from its copy and always runs.
 */
export const BUILTIN_HOOKS_DIR = "builtin-hooks";

/** Where the image put that copy; a bundle run from a checkout has none (every hook runs). */
export function builtinHooksDir(): string {
  return fileURLToPath(new URL(`./${BUILTIN_HOOKS_DIR}/`, import.meta.url));
}

/**
 * Each built-in hook's first test, the one that makes it `exit 0` at once, printing and exporting nothing: true
 * when the hook would do that with this environment. Kept beside the scripts' own tests
 * (test/unit/builtin-noop.test.ts runs each script wherever this says it does nothing).
 */
const NOTHING_TO_DO: Readonly<Record<string, (env: Readonly<Record<string, string>>) => boolean>> = {
  // `[ -S "$sock" ] || exit 0`, the socket being DOCKER_HOST's unix:// path or the default one.
  "entrypoint.04-docker-socket.sh": (env) => {
    const host = env.DOCKER_HOST ?? "";
    const sock = host.startsWith("unix://") ? host.slice("unix://".length) : "/var/run/docker.sock";
    try {
      return !statSync(sock).isSocket();
    } catch {
      return true;
    }
  },
  // `case "${DIND:-0}" in 1|[Tt][Rr][Uu][Ee]|[Yy][Ee][Ss]|[Oo][Nn]) ;; *) exit 0 ;; esac`
  "entrypoint.05-dind.sh": (env) => !/^(1|true|yes|on)$/i.test(env.DIND ?? ""),
};

/**
 * True when `hook` is byte for byte one the image ships (its copy in `dir`) and would do nothing with `env`: the
 * supervisor then skips starting bash for it, which is all that hook would have cost. Anything it cannot read
 * makes it false: the hook runs.
 */
export function builtinHookHasNothingToDo(hook: string, env: Readonly<Record<string, string>>, dir: string = builtinHooksDir()): boolean {
  const name = basename(hook);
  const nothingToDo = NOTHING_TO_DO[name];
  if (!nothingToDo) return false;
  try {
    // Sizes first: a hook a job replaced (the runner user's own, in a container that lives on) may be huge.
    const copy = `${dir}/${name}`;
    if (statSync(hook).size !== statSync(copy).size) return false;
    return readFileSync(hook).equals(readFileSync(copy)) && nothingToDo(env);
  } catch {
    return false;
  }
}
