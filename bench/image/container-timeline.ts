import { docker } from "../../test/e2e/helpers/docker.ts";

/** Milliseconds from the container's start (State.StartedAt: PID 1's exec) to the first line matching each mark. */
export type Timeline = Record<string, number>;

/** The marks both images print: our supervisor's own lines, and the runner's (config.sh's banner, then run.sh's). */
export const MARKS: readonly (readonly [string, RegExp])[] = [
  ["first line", /./],
  ["token in hand (\"registering runner\")", /registering runner/],
  ["config.sh's first line", /(^|runner: )-{20}/],
  ["config.sh done (\"Settings Saved\")", /Settings Saved/],
  ["\"Listening for Jobs\"", /Listening for Jobs/],
];

/** RFC 3339 with nanoseconds (Docker's) to milliseconds since the epoch, keeping the fraction Date.parse drops. */
function epochMs(ts: string): number {
  const fraction = /\.(\d+)/.exec(ts)?.[1] ?? "0";
  return Math.floor(Date.parse(ts) / 1000) * 1000 + Number(`0.${fraction}`) * 1000;
}

/**
 * Where a start's time went inside the container, from `docker logs -t` (each line's time as the engine read it)
 * against State.StartedAt; marks a start never printed are left out.
 */
export async function containerTimeline(name: string): Promise<Timeline> {
  const started = epochMs((await docker(["inspect", "-f", "{{.State.StartedAt}}", name])).stdout.trim());
  const { stdout, stderr } = await docker(["logs", "-t", name]);
  const lines = `${stdout}\n${stderr}`
    .split("\n")
    .filter((l) => l.includes(" "))
    .map((l) => ({ ms: epochMs(l.slice(0, l.indexOf(" "))) - started, text: l.slice(l.indexOf(" ") + 1) }))
    .sort((a, b) => a.ms - b.ms);
  const timeline: Timeline = {};
  for (const [mark, re] of MARKS) {
    const hit = lines.find((l) => l.text.trim() !== "" && re.test(l.text));
    if (hit) timeline[mark] = hit.ms;
  }
  return timeline;
}
