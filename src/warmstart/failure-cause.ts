/** Known ssh/rsync complaints, mapped to a cause a person can act on. First match wins. */
const CAUSES: readonly [RegExp, string][] = [
  [/Permission denied \(/, "the storage host refused the key (CI_STORAGE_PRIVATE_KEY)"],
  [/Host key verification failed/, "host key verification failed"],
  [/banner exchange|Connection timed out|Operation timed out/, "the storage host does not answer (connect timeout)"],
  [/Connection refused/, "connection refused"],
  [/Could not resolve hostname|Name or service not known|Temporary failure in name resolution/, "cannot resolve the host name"],
  [/No route to host|Network is unreachable/, "the storage host is unreachable"],
  [/rsync: (command )?not found|rsync: No such file/, "rsync is missing on the storage host"],
  [/perl: (command )?not found|perl: No such file/, "perl is missing on the storage host"],
  [/Connection (closed|reset) by|Broken pipe|connection unexpectedly closed/, "the connection was closed"],
  [/invalid format|error in libcrypto|Load key .*: /, "the private key (CI_STORAGE_PRIVATE_KEY) cannot be read"],
  [/No space left on device/, "no space left on device"],
];

/**
 * One clause naming why an ssh or rsync run failed, from its stderr and
 * exit code: a known cause, else the last line it printed.
 */
export function failureCause(stderr: string, code: number): string {
  for (const [re, cause] of CAUSES) if (re.test(stderr)) return cause;
  const last = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  return last === undefined ? `exit code ${code}` : `${last} (exit code ${code})`;
}
