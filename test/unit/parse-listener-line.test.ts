import t from "tap";
import { parseListenerLine } from "../../src/runner/parse-listener-line.ts";

const cases: [string, unknown][] = [
  ["2026-01-01 10:00:00Z: Listening for Jobs", { kind: "listening" }],
  ["2026-01-01 10:00:05Z: Running job: build (ubuntu, 20)", { kind: "job-started", job: "build (ubuntu, 20)" }],
  ["2026-01-01 10:00:09Z: Job build completed with result: Succeeded", { kind: "job-completed", job: "build", result: "Succeeded" }],
  ["Job my job completed with result: Canceled", { kind: "job-completed", job: "my job", result: "Canceled" }],
  ["Registration was not found or is not medium trust. Trust level is low", { kind: "fatal", message: "Registration was not found or is not medium trust. Trust level is low" }],
  ["√ Connected to GitHub", undefined],
  ["The runner no longer exists on the server. Cleaning up local configuration.", undefined],
  ["Current runner version: '2.336.0'", undefined],
  ["echo Running job: fake", undefined],
];
for (const [line, want] of cases) {
  t.same(parseListenerLine(line), want, line);
}
