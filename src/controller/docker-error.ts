/** The HTTP status of a Docker Engine API error (dockerode keeps it as `statusCode`). */
export function dockerStatus(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

/** The engine's own message (`{"message": ...}`), else the error's, on one line. */
export function dockerMessage(e: unknown): string {
  const json = (e as { json?: unknown } | null)?.json;
  const fromJson = json && typeof json === "object" && "message" in json ? String((json as { message: unknown }).message) : undefined;
  const text = fromJson ?? (e instanceof Error ? e.message : String(e));
  return text.replace(/\s+/g, " ").trim();
}
