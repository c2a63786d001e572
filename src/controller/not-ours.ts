import type { Scope } from "../config/scope.ts";
import type { ControllerSettings } from "./controller-settings.ts";
import { labelsMatch } from "./label-match.ts";
import type { WorkflowJobEvent } from "./workflow-job-event.ts";

/**
 * Why a job is not for these runners, or undefined when it is: a runner
 * registered to a repository takes only that repository's jobs, one of an
 * organization only its repositories' (an organization's or an App's
 * webhook delivers others too, and so may another entry's path); the job's
 * labels must all be the runners' (case-insensitive), and it must carry
 * every required label.
 */
export function notOurs(ev: WorkflowJobEvent, scope: Scope | undefined, settings: Pick<ControllerSettings, "runnerLabels" | "requiredLabels">): string | undefined {
  const repo = ev.repository.toLowerCase();
  if (scope?.kind === "repository" && repo !== scope.name.toLowerCase()) return `is for ${ev.repository}, and these runners are registered to ${scope.name}`;
  if (scope?.kind === "organization" && repo.split("/")[0] !== scope.name.toLowerCase()) {
    return `is for ${ev.repository}, and these runners are registered to the organization ${scope.name}`;
  }
  if (!labelsMatch(ev.labels, settings.runnerLabels)) return `(${ev.repository}) wants [${ev.labels.join(", ")}], which runners with [${settings.runnerLabels.join(", ")}] do not have`;
  const have = new Set(ev.labels.map((l) => l.toLowerCase()));
  const missing = settings.requiredLabels.filter((l) => !have.has(l.toLowerCase()));
  if (missing.length > 0) return `(${ev.repository}) does not ask for [${missing.join(", ")}] (required_labels)`;
  return undefined;
}
