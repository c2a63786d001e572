// First: see the file.
import "./pid1/first-statement.ts";
import { writeSync } from "node:fs";
import { enableCompileCache } from "./compile-cache.ts";
// Each command is a file of its own, loaded when it runs (the supervisor's
// CommonJS dist/ci-runner-supervisor-command.js, the others' ES modules
// dist/ci-runner-NAME.mjs): `ci-runner help` parses none of them, and the
// supervisor none of the controller (README "Start-up and memory").
const USAGE = `usage: ci-runner [command]
  (none)    the entrypoint: hooks, forwarding, warm start, runner, graceful drain
  config    print the effective configuration (secrets masked); exit 78 if invalid
  controller  the webhook autoscaler: one ephemeral runner container per queued job (README "Autoscaling")
  forward   run only the port forwarders (FORWARD_HOST, FORWARD_PORTS) until stopped
  health    exit 0 when the runner is listening or running a job (HEALTHCHECK)
  help      this text
  CMD ...   any other command runs as a child (docker run -it ci-runner bash), signals forwarded`;

enableCompileCache();

/** `help` writes to fd 1 itself: setting up process.stdout would cost it a tenth of its memory. */
function printUsage(): void {
  try {
    writeSync(1, `${USAGE}\n`);
  } catch {
    // A closed pipe (`ci-runner help | head -1`): nobody is reading.
  }
}

async function main(argv: string[]): Promise<number> {
  const [command = "entrypoint"] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
    printUsage();
    return 0;
  }
  // A broken log pipe (Docker's log driver restarted, a closed terminal) must
  // never stop PID 1: lines written then are lost, the drain is not.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  // compose passes `TZ: ""` for an unset variable; an empty TZ makes Node print "GMT+0" and is no zone at all.
  if (process.env.TZ === "") delete process.env.TZ;
  const out = (line: string) => process.stdout.write(line + "\n");
  switch (command) {
    case "controller":
      return (await import("./controller/run-controller.ts")).runController();
    case "health":
      return (await import("./commands/health.ts")).health(process.env.CI_RUNNER_STATE_FILE || "/run/ci-runner/state.json", out);
    default:
      if (command.startsWith("-")) {
        process.stderr.write(`ci-runner: unknown option "${command}"\n${USAGE}\n`);
        return 64;
      }
      return (await import("./commands/supervisor-command.ts")).supervisorCommand(argv);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`ci-runner: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(70);
  },
);
