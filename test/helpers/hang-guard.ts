/**
 * How long a test waits for something that must happen (a line, a state on
 * a fake, a process exit) before it gives up. Only a hang reaches it: a
 * loaded CI machine may be many times slower than a developer's, so a wait
 * is never a statement about speed. It stays under tap's per-file timeout
 * (.taprc) so that the failure names what was awaited and shows the output.
 */
export const HANG_GUARD_MS = 90_000;
