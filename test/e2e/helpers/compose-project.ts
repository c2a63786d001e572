import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FAKE_PAT } from "../../fakes/github/fake-github.ts";
import { EPHEMERAL_IMAGE, IMAGE } from "./docker.ts";
import { runCommand, type CommandResult, type RunOptions } from "./run-command.ts";

/** The repository's own compose.yml: the suite proves the file users run. */
export const COMPOSE_FILE = fileURLToPath(new URL("../../../compose.yml", import.meta.url));

/** Debian's docker-compose 1.29 when installed, else `docker compose` (v2); E2E_COMPOSE overrides. */
function composeCommand(): string[] {
  const forced = process.env.E2E_COMPOSE;
  if (forced) return forced.split(" ");
  return existsSync("/usr/bin/docker-compose") ? ["/usr/bin/docker-compose"] : ["docker", "compose"];
}

let counter = 0;

/**
 * One compose project of compose.yml, named after the test, with the images
 * under test and a GH_TOKEN secret file. Variables go to compose through its
 * environment (interpolation), as a user's .env would. Torn down (killed,
 * containers and volumes removed) at the end of the test.
 */
export class ComposeProject {
  readonly name: string;
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly file: string;

  private constructor(name: string, dir: string, env: NodeJS.ProcessEnv, file: string) {
    this.name = name;
    this.dir = dir;
    this.env = env;
    this.file = file;
  }

  static create(
    t: { teardown(fn: () => unknown): void; passing(): boolean },
    label: string,
    vars: Record<string, string>,
    /** Another compose file of the repository (compose.autoscale.yml). */
    file = COMPOSE_FILE,
  ): ComposeProject {
    const name = `cie2e${label.replace(/[^a-z0-9]/g, "")}${process.pid}x${++counter}`;
    const dir = mkdtempSync(join(tmpdir(), "ci-runner-e2e-"));
    const tokenFile = join(dir, "GH_TOKEN");
    writeFileSync(tokenFile, `${FAKE_PAT}\n`, { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CI_RUNNER_IMAGE: IMAGE,
      CI_RUNNER_EPHEMERAL_IMAGE: EPHEMERAL_IMAGE,
      GH_TOKEN_FILE: tokenFile,
      // compose.yml's default pool is 3 (compose v2 honours deploy.replicas); scenarios scale explicitly.
      REPLICAS: "1",
      ...vars,
    };
    const project = new ComposeProject(name, dir, env, file);
    t.teardown(async () => {
      // A failed scenario shows what its containers printed: often the only clue from a CI run.
      if (!t.passing()) {
        const { stdout } = await project.compose(["logs", "--no-color", "--tail", "200"], { check: false, timeoutMs: 60_000 });
        process.stderr.write(`--- ${name}: container logs (last 200 lines each) ---\n${stdout}\n`);
      }
      await project.compose(["kill"], { check: false, timeoutMs: 60_000 });
      await project.compose(["down", "-v", "-t", "1"], { check: false, timeoutMs: 120_000 });
      rmSync(dir, { recursive: true, force: true });
    });
    return project;
  }

  /** `compose -p NAME -f compose.yml --profile ephemeral ARGS` (or the project's other file). */
  compose(args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
    const [cmd, ...pre] = composeCommand() as [string, ...string[]];
    return runCommand(cmd, [...pre, ...this.argv(), ...args], { env: this.env, cwd: this.dir, ...opts });
  }

  /** Command line (after the compose command) that selects this project, for a pty. */
  argv(): string[] {
    return ["-p", this.name, "-f", this.file, "--profile", "ephemeral"];
  }

  /** The compose command and environment, for callers that spawn it themselves (node-pty). */
  spawnSpec(args: readonly string[]): { file: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string } {
    const [cmd, ...pre] = composeCommand() as [string, ...string[]];
    return { file: cmd, args: [...pre, ...this.argv(), ...args], env: this.env, cwd: this.dir };
  }

  /** Container ids of `service` (running or not). */
  async containers(service: string): Promise<string[]> {
    const { stdout } = await this.compose(["ps", "-q", service]);
    return stdout.split("\n").map((s) => s.trim()).filter(Boolean);
  }

  /** Everything the service's containers printed, without compose's prefixes. */
  async logs(service: string): Promise<string> {
    const { stdout } = await this.compose(["logs", "--no-color", service], { check: false });
    return stdout.replace(/^[^|\n]*\| ?/gm, "");
  }
}
