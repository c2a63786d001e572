import { parseListenerLine, type ListenerEvent } from "../runner/parse-listener-line.ts";

/** `[2024-01-02 03:04:05 UTC] runner: ` — how the supervisor relays the runner's lines. */
const RELAYED = /^\[[^\]]*\] runner: (.*)$/;

/**
 * What a line of a runner container's output says about its runner: the
 * supervisor relays the listener's lines ("Listening for Jobs", "Running
 * job: X", "Job X completed with result: R") under its `runner:` tag.
 */
export function runnerOutputEvent(line: string): ListenerEvent | undefined {
  const m = RELAYED.exec(line);
  return m ? parseListenerLine(m[1] as string) : undefined;
}
