import { createRequire } from "node:module";
import type { Logger } from "../log/logger.ts";

type Inspector = { url(): string | undefined; close(): void };

/** node:inspector, or undefined in a Node built without it (importing it would throw there). */
function inspectorModule(): Inspector | undefined {
  if (!process.features.inspector) return undefined;
  return createRequire(import.meta.url)("node:inspector") as Inspector;
}

const asked = (args: readonly string[]) => args.some((a) => /^--inspect(-brk|-wait)?(=|$)/.test(a));

/** The option that asked for the debugger, if one did. */
function askingOption(): string | undefined {
  if (asked(process.execArgv)) return "node's command line has --inspect";
  if (asked((process.env.NODE_OPTIONS ?? "").split(/\s+/))) return "NODE_OPTIONS has --inspect; it still reaches jobs";
  return undefined;
}

/** What asked for the debugger, for the one line that says it was closed. */
function cause(): string {
  return askingOption() ?? "SIGUSR1 while Node was starting, before ci-runner could refuse it";
}

/** How often an inspector that started late is looked for. */
const CHECK_MS = 1000;

/**
 * Closes Node's inspector whenever it is found open (one line each time, naming the cause): the supervisor runs
 * as root, and an open debugger lets any local process run code inside it. On Node 20 (no --disable-sigusr1) a
 * SIGUSR1 before the bundle's first statement opens it, as NODE_OPTIONS=--inspect does, and Node's signal thread
 * may open it even after that statement, hence the periodic look. Returns the function that stops looking.
 */
export function closeDebugger(log: Logger): () => void {
  if (!process.features.inspector) return () => {};
  let inspector: Inspector | undefined;
  const check = () => {
    inspector ??= inspectorModule();
    const url = inspector?.url();
    if (url === undefined) return;
    inspector?.close();
    // Not the URL itself: its path is the key a debugger client needs.
    const where = /^ws:\/\/([^/]+)/.exec(url)?.[1] ?? "?";
    log.warn(`a debugger was listening on ${where} (${cause()}): closed it; ci-runner never keeps one open`);
  };
  // A debugger asked for by an option is open now: closed before any other code runs. One that a
  // SIGUSR1 starts may open later anyway, so otherwise the first look is the periodic one: short
  // commands (`help`, `health`) never load node:inspector, a tenth of their start.
  if (askingOption() !== undefined) check();
  const timer = setInterval(check, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
