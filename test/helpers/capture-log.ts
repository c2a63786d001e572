import { setLogSink } from "../../src/log/logger.ts";

/**
 * The log lines written during a test, without their timestamp
 * (`component: warning: message`); `onLine` sees each as it is written, to
 * act at that moment (a stop while the wait it announces has just begun).
 */
export function captureLog(t: { teardown(fn: () => unknown): void }, onLine: (line: string) => void = () => {}): string[] {
  const lines: string[] = [];
  t.teardown(
    setLogSink((line) => {
      const bare = line.replace(/^\[[^\]]*\] /, "");
      lines.push(bare);
      onLine(bare);
    }),
  );
  return lines;
}
