import { fstatSync, readFileSync } from "node:fs";
import { isatty } from "node:tty";
import { getSystemErrorName } from "node:util";
import { findExecutable } from "../fs/find-executable.ts";
import { loadReaperAddon } from "./load-reaper-addon.ts";

/** How CMD mode starts the command, given the terminal on stdin. */
export type TerminalPlan =
  /** No terminal: the command gets a session (and process group) of its own. */
  | { readonly kind: "own-session" }
  /** We gave the terminal up: the command takes it in a session of its own, through `setsid --ctty`. */
  | { readonly kind: "take-terminal"; readonly setsid: string }
  /** The command stays in our process group and session, sharing the terminal (signals reach its pid). */
  | { readonly kind: "share"; readonly why?: string };

/** session, tty_nr, pgrp and tpgid of /proc/self/stat. */
function ownStat(): { session: number; tty: number; pgrp: number; foreground: number } {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // "pid (comm) state ppid pgrp session tty_nr tpgid ...": comm may hold spaces and parens.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  return { pgrp: f[2] ?? 0, session: f[3] ?? 0, tty: f[4] ?? 0, foreground: f[5] ?? -1 };
}

/**
 * With `docker run -it`, PID 1 leads the session that owns the terminal. A command that is to own it (job
 * control; Ctrl-C and Ctrl-Z reaching its foreground job from the kernel) and to be a process group of its own
 * (relayed signals reach all of it) needs a session of its own with the terminal as its controlling terminal. As
 * dumb-init's setsid mode: PID 1 gives the terminal up (TIOCNOTTY), the command takes it (`setsid --ctty` calls
 * setsid and TIOCSCTTY, then execs it with its pid).
 *
 * Giving it up sends our process group one SIGHUP and one SIGCONT: they go into `swallow` first, so the handlers
 * must be installed already. A terminal we do not lead (someone's shell's) is never taken: the command shares it.
 */
export function handOverTerminal(swallow: Set<NodeJS.Signals>, path: string | undefined): TerminalPlan {
  if (!isatty(0)) return { kind: "own-session" };
  const me = ownStat();
  if (me.session !== process.pid || me.tty === 0 || me.tty !== fstatSync(0).rdev) return { kind: "share" };
  const setsid = findExecutable("setsid", path) ?? findExecutable("setsid", "/usr/bin:/bin");
  if (setsid === undefined) return { kind: "share", why: "no setsid (util-linux) in PATH" };
  const addon = loadReaperAddon();
  if ("error" in addon) return { kind: "share", why: addon.error };
  const signalled: NodeJS.Signals[] = me.foreground === me.pgrp ? ["SIGHUP", "SIGCONT"] : [];
  for (const sig of signalled) swallow.add(sig);
  const errno = addon.detachTerminal();
  if (errno === 0) return { kind: "take-terminal", setsid };
  for (const sig of signalled) swallow.delete(sig);
  return { kind: "share", why: `cannot give up the terminal (TIOCNOTTY: ${getSystemErrorName(-errno)})` };
}
