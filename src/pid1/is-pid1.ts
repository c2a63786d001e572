/** True when this process is PID 1 of its PID namespace (the container's init). */
export function isPid1(): boolean {
  return process.pid === 1;
}
