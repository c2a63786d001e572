// Command line of Runner.Listener: `configure|remove|run|warmup` plus
// `--flag` and `--arg value`; every one may also come from the environment
// as ACTIONS_RUNNER_INPUT_<NAME> (flags when the value is "true"). Those
// variables are removed from the environment, as the real listener does, so
// jobs never see them.

const COMMANDS = ["configure", "remove", "run", "warmup"];
const FLAGS = [
  "check", "commit", "disableupdate", "ephemeral", "generateserviceconfig", "help", "local",
  "no-default-labels", "once", "replace", "runasservice", "unattended", "version",
];
const ARGS = [
  "auth", "jitconfig", "labels", "monitorsocketaddress", "name", "pat", "runnergroup", "startuptype",
  "token", "url", "username", "windowslogonaccount", "windowslogonpassword", "work",
];
const VALID = {
  configure: ["disableupdate", "ephemeral", "generateserviceconfig", "replace", "runasservice", "unattended", "no-default-labels",
    "auth", "labels", "monitorsocketaddress", "name", "pat", "runnergroup", "token", "url", "username", "windowslogonaccount", "windowslogonpassword", "work"],
  remove: ["token", "pat", "local", "unattended"],
  run: ["once", "jitconfig", "startuptype"],
  warmup: [],
};
const GENERIC = ["help", "version", "commit", "check"];

/** Parses argv and ACTIONS_RUNNER_INPUT_* into `{command, flag(name), arg(name), unknown}`. */
export function parseCommand(argv, env = process.env) {
  const commands = [];
  const flags = new Set();
  const args = new Map();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word.startsWith("--")) {
      const name = word.slice(2).toLowerCase();
      if (ARGS.includes(name) && i + 1 < argv.length) args.set(name, argv[++i]);
      else flags.add(name);
    } else {
      commands.push(word.toLowerCase());
    }
  }
  const envArgs = new Map();
  for (const key of Object.keys(env)) {
    if (!key.toUpperCase().startsWith("ACTIONS_RUNNER_INPUT_")) continue;
    const value = (env[key] ?? "").trim();
    const name = key.slice("ACTIONS_RUNNER_INPUT_".length).toLowerCase().replaceAll("_", "-");
    if (value !== "") envArgs.set(name === "no-default-labels" ? name : name.replaceAll("-", ""), value);
    delete env[key];
  }
  const command = commands.find((c) => COMMANDS.includes(c));
  const unknown = [...commands.filter((c) => !COMMANDS.includes(c))];
  if (command && unknown.length === 0) {
    const valid = VALID[command];
    for (const f of flags) if (!valid.includes(f) && !GENERIC.includes(f)) unknown.push(f);
    for (const a of args.keys()) if (!valid.includes(a)) unknown.push(a);
  }
  return {
    command,
    unknown,
    flag: (name) => flags.has(name) || (FLAGS.includes(name) && (envArgs.get(name) ?? "").toLowerCase() === "true"),
    /** The value, consumed from argv or env; undefined when absent or empty. */
    arg: (name) => {
      const v = args.get(name) ?? envArgs.get(name);
      return v === undefined || v === "" ? undefined : v;
    },
  };
}
