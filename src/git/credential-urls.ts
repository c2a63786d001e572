/**
 * The URLs whose git credentials come from the job step's token:
 * https://github.com always (actions and submodules live there even for
 * GitHub Enterprise Server users), and GH_URL's origin.
 */
export function credentialUrls(ghUrl: string): string[] {
  const origin = new URL(ghUrl).origin;
  return origin === "https://github.com" ? [origin] : ["https://github.com", origin];
}
