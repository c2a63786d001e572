import { BootError } from "../lifecycle/boot-error.ts";

/** A GitHub failure that retrying will not fix; `message` is the one line to print. */
export class GitHubFatalError extends BootError {}

export interface HttpErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

export function httpStatus(e: unknown): number | undefined {
  const s = (e as { status?: unknown } | null)?.status;
  return typeof s === "number" ? s : undefined;
}

/** GitHub's own error message (`{"message": ...}`), else the error's. */
export function gitHubMessage(e: unknown): string {
  const data = (e as HttpErrorLike | null)?.response?.data;
  if (data && typeof data === "object" && "message" in data && typeof data.message === "string") return data.message;
  return e instanceof Error ? e.message : String(e);
}
