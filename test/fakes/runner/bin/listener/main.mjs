// Entry of the fake Runner.Listener: dispatches configure / remove / run
// and maps failures to the real exit codes (0 ok, 1 terminated error,
// 2 retryable, 5 session conflict, and the test-forced ones).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCommand } from "./args.mjs";
import { configure } from "./configure.mjs";
import { openDiag, setDiag } from "./diag.mjs";
import { knobs } from "./knobs.mjs";
import { remove } from "./remove.mjs";
import { NonRetryableError, run } from "./run.mjs";
import { createStore } from "./store.mjs";
import { error, line } from "./term.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const USAGE = `Commands:
 ./config.sh         Configures the runner
 ./config.sh remove  Unconfigures the runner
 ./run.sh            Runs the runner interactively. Does not require any options.`;

export async function main(argv) {
  const saved = process.env.FAKE_RUNNER_NODE_OPTIONS;
  delete process.env.FAKE_RUNNER_NODE_OPTIONS;
  if (saved) process.env.NODE_OPTIONS = saved;
  else delete process.env.NODE_OPTIONS;
  setDiag(openDiag(ROOT, "Runner"));
  const cmd = parseCommand(argv);
  if (cmd.unknown.length > 0) {
    const list = cmd.unknown.join(", ");
    error(
      cmd.command
        ? `Unrecognized command-line input arguments for command ${cmd.command}: '${list}'. For usage refer to: .\\config.cmd --help or ./config.sh --help`
        : `This command does not recognize the command-line input arguments: '${list}'. For usage refer to: .\\config.cmd --help or ./config.sh --help`,
    );
  }
  // Exit now, like the real process: an idle keep-alive socket must not hold it open.
  process.exit(await dispatch(cmd));
}

async function dispatch(cmd) {
  const store = createStore(ROOT);
  if (cmd.flag("version")) {
    line(knobs.version);
    return 0;
  }
  if (cmd.flag("help") || cmd.command === undefined || cmd.command === "warmup") {
    if (cmd.command !== "warmup") line(USAGE);
    return 0;
  }
  if (cmd.command === "configure" || cmd.command === "remove") {
    // Ctrl-C while configuring stops at once with the terminated-error code.
    process.on("SIGINT", () => {
      line("Exiting...");
      process.exit(1);
    });
    try {
      await (cmd.command === "configure" ? configure(cmd, store) : remove(cmd, store));
      return 0;
    } catch (err) {
      error(err.message);
      return 1;
    }
  }
  try {
    return await run(cmd, store, knobs.version);
  } catch (err) {
    error(`An error occurred: ${err.message}`);
    return err instanceof NonRetryableError ? 1 : 2;
  }
}
