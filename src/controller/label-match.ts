/**
 * Whether a runner with `runnerLabels` can take a job asking for `jobLabels`:
 * every label of the job is one of the runner's, case-insensitive, as GitHub
 * matches them. A job without labels is nobody's (GitHub always sends some).
 */
export function labelsMatch(jobLabels: readonly string[], runnerLabels: readonly string[]): boolean {
  if (jobLabels.length === 0) return false;
  const have = new Set(runnerLabels.map((l) => l.toLowerCase()));
  return jobLabels.every((l) => have.has(l.toLowerCase()));
}
