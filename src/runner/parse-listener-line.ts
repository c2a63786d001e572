/** What a line of the runner's output tells the supervisor. */
export type ListenerEvent =
  | { kind: "listening" }
  | { kind: "job-started"; job: string }
  | { kind: "job-completed"; job: string; result: string }
  | { kind: "fatal"; message: string };

/**
 * Output of the real runner's known restart loops: it will never serve jobs again without a new registration,
 * so the watchdog stops with a non-zero exit for the orchestrator to replace us. ("The runner no longer exists
 * on the server" is not one: the runner then exits by itself, and an ephemeral one says it after every job.)
 */
export const FATAL_PATTERNS: readonly RegExp[] = [
  /Registration was not found or is not medium trust/,
  /Failed to create a session\. The runner registration has been deleted from the server/,
];

const TS = String.raw`(?:\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z: )?`;
const LISTENING = new RegExp(`^${TS}Listening for Jobs\\s*$`);
const RUNNING = new RegExp(`^${TS}Running job: (.+?)\\s*$`);
const COMPLETED = new RegExp(`^${TS}Job (.+) completed with result: (\\w+)\\s*$`);

export function parseListenerLine(line: string): ListenerEvent | undefined {
  if (LISTENING.test(line)) return { kind: "listening" };
  let m = RUNNING.exec(line);
  if (m) return { kind: "job-started", job: m[1] as string };
  m = COMPLETED.exec(line);
  if (m) return { kind: "job-completed", job: m[1] as string, result: m[2] as string };
  for (const re of FATAL_PATTERNS) if (re.test(line)) return { kind: "fatal", message: line.trim() };
  return undefined;
}
