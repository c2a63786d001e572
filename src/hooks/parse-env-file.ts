export interface EnvFileResult {
  readonly vars: Map<string, string>;
  /** One message per line that could not be understood (the hook's author wants to know). */
  readonly problems: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Linux's MAX_ARG_STRLEN: execve fails with E2BIG for a longer `NAME=value` (with its NUL). */
export const MAX_ENV_ENTRY_BYTES = 131_072;

/** Why `name=value` cannot be in a process's environment, if it cannot: every later spawn would fail. */
function unfit(name: string, value: string): string | undefined {
  if (value.includes("\0")) return `${name} contains a NUL byte, which no environment can hold`;
  const bytes = Buffer.byteLength(`${name}=${value}`) + 1;
  if (bytes > MAX_ENV_ENTRY_BYTES) {
    return `${name} is ${Math.ceil(bytes / 1024)} KiB; the kernel refuses an environment entry over ${MAX_ENV_ENTRY_BYTES / 1024} KiB (E2BIG)`;
  }
  return undefined;
}

/** The $CI_RUNNER_ENV protocol, GitHub's $GITHUB_ENV one: `NAME=value` lines and `NAME<<DELIM` ... `DELIM` blocks. */
export function parseEnvFile(text: string): EnvFileResult {
  const vars = new Map<string, string>();
  const problems: string[] = [];
  const set = (lineNo: number, name: string, value: string): void => {
    const why = unfit(name, value);
    if (why === undefined) vars.set(name, value);
    else problems.push(`line ${lineNo}: ${why}; not exported`);
  };
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, "");
    if (line.trim() === "") continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    const eq = line.indexOf("=");
    if (heredoc && (eq < 0 || eq > line.indexOf("<<"))) {
      const name = (heredoc[1] as string).trim();
      const delim = heredoc[2] as string;
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && (lines[j] as string).replace(/\r$/, "") !== delim) body.push((lines[j++] as string).replace(/\r$/, ""));
      if (j >= lines.length) {
        problems.push(`line ${i + 1}: no closing delimiter "${delim}" for ${name}`);
        break;
      }
      if (NAME.test(name)) set(i + 1, name, body.join("\n"));
      else problems.push(`line ${i + 1}: "${name}" is not a variable name`);
      i = j;
      continue;
    }
    if (eq <= 0) {
      problems.push(`line ${i + 1}: expected NAME=value or NAME<<DELIMITER`);
      continue;
    }
    const name = line.slice(0, eq).trim();
    if (!NAME.test(name)) {
      problems.push(`line ${i + 1}: "${name}" is not a variable name`);
      continue;
    }
    set(i + 1, name, line.slice(eq + 1));
  }
  return { vars, problems };
}
