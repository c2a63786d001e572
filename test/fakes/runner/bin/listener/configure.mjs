// `config.sh [flags]`: register the runner and write .runner, .credentials
// and .credentials_rsaparams, printing what the real one prints.
import { hostname } from "node:os";
import { runnerTokenFromPat, tenantCredential } from "./github.mjs";
import { request } from "./http.mjs";
import { newKey } from "./keys.mjs";
import { readValue } from "./prompt.mjs";
import { line, section, success } from "./term.mjs";

const BANNER = [
  "",
  "--------------------------------------------------------------------------------",
  "|        ____ _ _   _   _       _          _        _   _                      |",
  "|       / ___(_) |_| | | |_   _| |__      / \\   ___| |_(_) ___  _ __  ___      |",
  "|      | |  _| | __| |_| | | | | '_ \\    / _ \\ / __| __| |/ _ \\| '_ \\/ __|     |",
  "|      | |_| | | |_|  _  | |_| | |_) |  / ___ \\ (__| |_| | (_) | | | \\__ \\     |",
  "|       \\____|_|\\__|_| |_|\\__,_|_.__/  /_/   \\_\\___|\\__|_|\\___/|_| |_|___/     |",
  "|                                                                              |",
  "|                       Self-hosted runner registration                        |",
  "|                                                                              |",
  "--------------------------------------------------------------------------------",
];

/** Registers the runner; throws (message printed by main, exit 1) on any failure. */
export async function configure(cmd, store) {
  for (const l of BANNER) line(l);
  if (store.isConfigured()) {
    throw new Error(
      "Cannot configure the runner because it is already configured. To reconfigure the runner, run 'config.cmd remove' or './config.sh remove' first.",
    );
  }
  const unattended = cmd.flag("unattended");
  const ask = (name, description, opts = {}) => readValue(name, description, { unattended, given: cmd.arg(name), ...opts });

  section("Authentication");
  const githubUrl = ask("url", "What is the URL of your repository?");
  const pat = cmd.arg("pat");
  let token = pat ? await runnerTokenFromPat(githubUrl, pat, "registration") : undefined;
  if (!token) token = ask("token", "What is your runner register token?", { secret: true });
  const tenant = await tenantCredential(githubUrl, token, "register");
  const service = tenant.url;
  const auth = { authorization: `Bearer ${tenant.token}` };
  line();
  success("Connected to GitHub");

  const key = newKey();
  section("Runner Registration");
  const { groups } = (await request("GET", `${service}/groups`, { headers: auth })).json();
  const defaultGroup = groups.find((g) => g.isDefault);
  const groupName = ask("runnergroup", "Enter the name of the runner group to add this runner to:", { defaultValue: defaultGroup?.name ?? "default" });
  line();
  const group = groups.find((g) => g.name.toLowerCase() === groupName.toLowerCase());
  if (!group) throw new Error(`Could not find any self-hosted runner group named "${groupName}".`);

  const name = ask("name", "Enter the name of runner:", { defaultValue: hostname() });
  line();
  const labels = ask("labels", "This runner will have the following labels: 'self-hosted', 'Linux', 'X64' \nEnter any additional labels (ex. label-1,label-2):", {
    optional: true,
  })
    .split(",")
    .filter((l) => l !== "");
  line();
  const noDefaultLabels = cmd.flag("no-default-labels");
  if (noDefaultLabels && labels.length === 0) {
    throw new Error("Disabling default labels via --no-default-labels without specifying --labels is not supported");
  }
  const agent = {
    name,
    labels,
    noDefaultLabels,
    ephemeral: cmd.flag("ephemeral"),
    disableUpdate: cmd.flag("disableupdate"),
    groupId: group.id,
    publicKeyPem: key.publicKeyPem,
  };
  const { agents } = (await request("GET", `${service}/agents?name=${encodeURIComponent(name)}`, { headers: auth })).json();
  let added;
  if (agents.length > 0) {
    line("A runner exists with the same name");
    const replace = cmd.flag("replace") || (!unattended && askYesNo("Would you like to replace the existing runner? (Y/N)"));
    if (!replace) throw new Error(`A runner exists with the same name ${name}.`);
    added = (await request("POST", `${service}/agents`, { headers: auth, json: { ...agent, replaceId: agents[0].id } })).json();
    success("Successfully replaced the runner");
  } else {
    added = (await request("POST", `${service}/agents`, { headers: auth, json: agent })).json();
    success("Runner successfully added");
  }
  store.saveCredentials(
    { scheme: "OAuth", data: { clientId: added.clientId, authorizationUrl: added.authorizationUrl, requireFipsCryptography: "True" } },
    key.rsaParams,
  );

  section("Runner settings");
  const workFolder = ask("work", "Enter name of work folder:", { defaultValue: "_work" });
  const settings = {
    agentId: added.id,
    agentName: name,
    poolId: group.id,
    poolName: group.name,
    serverUrl: added.serverUrl,
    gitHubUrl: githubUrl,
    workFolder,
  };
  if (agent.ephemeral) settings.ephemeral = true;
  if (agent.disableUpdate) settings.disableUpdate = true;
  store.saveSettings(settings);
  line();
  success("Settings Saved.");
  line();
}

function askYesNo(question) {
  const answer = readValue("replace", question, { defaultValue: "N" });
  return /^y(es)?$/i.test(answer);
}
