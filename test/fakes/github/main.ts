/**
 * CLI entry: `node --import tsx test/fakes/github/main.ts [--host H] [--port N] [--token T]...`
 * Prints the fake's URL on the first line of stdout, then serves until
 * SIGINT/SIGTERM. Tests in other processes drive it through /_fake/ (control-api.ts).
 */
import { parseArgs } from "node:util";
import { startFakeGitHub } from "./fake-github.ts";

const { values } = parseArgs({
  options: {
    host: { type: "string" },
    port: { type: "string" },
    token: { type: "string", multiple: true },
    "no-admin-token": { type: "string", multiple: true },
  },
});

const fake = await startFakeGitHub({
  ...(values.host !== undefined ? { host: values.host } : {}),
  ...(values.port !== undefined ? { port: Number(values.port) } : {}),
  ...(values.token !== undefined ? { validTokens: values.token } : {}),
  ...(values["no-admin-token"] !== undefined ? { noAdminTokens: values["no-admin-token"] } : {}),
});
process.stdout.write(`${fake.url}\n`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
