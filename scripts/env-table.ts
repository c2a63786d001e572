// Prints the README's environment-variable table from src/config/vars.ts:
// `node --import tsx scripts/env-table.ts`. test/unit/readme.test.ts keeps
// README.md in step with the table.
import { VARS } from "../src/config/vars.ts";

const rows = Object.entries(VARS).map(([name, spec]) => {
  const dflt = "default" in spec && spec.default !== undefined ? `\`${spec.default}\`` : "";
  const secret = "secret" in spec && spec.secret ? " Secret: also read from the file `$CI_RUNNER_SECRETS_DIR/" + name + "`." : "";
  return `| \`${name}\` | ${dflt} | ${spec.doc}.${secret} |`;
});
process.stdout.write(["| Variable | Default | Meaning |", "|---|---|---|", ...rows].join("\n") + "\n");
