import { createRequire } from "node:module";

/**
 * node:crypto, loaded on first use: loading it costs every start several ms and an idle PID 1 0.6 MiB (README
 * "Start-up and memory"), and the runner's boot needs it only for some names and a GitHub App's key.
 */
export const nodeCrypto = (): typeof import("node:crypto") => createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
