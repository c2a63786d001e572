/**
 * An expected failure of a phase (a hook failed, config.sh refused): the
 * supervisor prints `message` as one line, without a stack, and exits `exitCode`.
 */
export class BootError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}
