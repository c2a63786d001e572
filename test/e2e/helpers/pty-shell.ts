import pty from "node-pty";

/**
 * Runs an interactive program (e.g. `docker-compose exec ci-runner bash -l`)
 * in a pseudo-terminal, types each command of `probes` into it and returns
 * what each printed. A probe is a shell expression whose value is printed
 * between markers, so the typed echo of the line never counts as its output.
 */
export async function probeInPty(
  spawnSpec: { file: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string },
  probes: readonly string[],
  timeoutMs = 60_000,
): Promise<{ values: string[]; transcript: string }> {
  const term = pty.spawn(spawnSpec.file, spawnSpec.args, {
    name: "xterm",
    cols: 200,
    rows: 40,
    cwd: spawnSpec.cwd,
    env: { ...spawnSpec.env, TERM: "xterm" } as Record<string, string>,
  });
  let transcript = "";
  term.onData((d) => {
    transcript += d;
  });
  const exited = new Promise<void>((resolve) => term.onExit(() => resolve()));
  const timer = setTimeout(() => term.kill("SIGKILL"), timeoutMs);
  // Type only at the first prompt: input typed earlier may be lost while
  // the profile replaces the shell.
  const prompt = /[$#] (\x1b\[[0-9;?]*[a-zA-Z])*$/;
  let typed = false;
  term.onData(() => {
    if (typed || !prompt.test(transcript)) return;
    typed = true;
    const lines = probes.map((p, i) => `printf '%s=%s;\\n' __probe${i} "${p}"`);
    term.write(`${lines.join("\r")}\rexit\r`);
  });
  await exited;
  clearTimeout(timer);
  const values = probes.map((_, i) => {
    const m = new RegExp(`__probe${i}=([^;\\r\\n]*);`).exec(transcript);
    if (!m) throw new Error(`probe ${i} (${probes[i]}) printed nothing; transcript:\n${transcript}`);
    return m[1] as string;
  });
  return { values, transcript };
}
