// `config.sh remove [--token T | --pat P] [--local]`: delete the
// registration server-side, then the local configuration.
import { runnerTokenFromPat, tenantCredential } from "./github.mjs";
import { HttpError, request } from "./http.mjs";
import { readValue } from "./prompt.mjs";
import { error, line, section, success } from "./term.mjs";

export async function remove(cmd, store) {
  if (cmd.flag("local")) {
    store.deleteLocalConfig();
    return;
  }
  let currentAction = "";
  section("Runner removal");
  try {
    currentAction = "Removing runner from the server";
    if (store.isConfigured() && store.hasCredentials()) {
      const settings = store.settings();
      const pat = cmd.arg("pat");
      let token = pat ? await runnerTokenFromPat(settings.gitHubUrl, pat, "remove") : undefined;
      if (!token) token = readValue("token", "Enter runner remove token:", { given: cmd.arg("token"), secret: true, unattended: cmd.flag("unattended") });
      const tenant = await tenantCredential(settings.gitHubUrl, token, "remove");
      const auth = { authorization: `Bearer ${tenant.token}` };
      const { agents } = (await request("GET", `${tenant.url}/agents?name=${encodeURIComponent(settings.agentName)}`, { headers: auth })).json();
      if (agents.length === 0) {
        line(`Does not exist. Skipping ${currentAction}`);
      } else {
        try {
          await request("DELETE", `${tenant.url}/agents/${settings.agentId}`, { headers: auth });
        } catch (err) {
          // The service's own words ("Runner "x" is still running a job") become the error message.
          if (err instanceof HttpError && err.json().message) throw new Error(err.json().message);
          throw err;
        }
      }
      line();
      success("Runner removed successfully");
    } else {
      line("Cannot connect to server, because config files are missing. Skipping removing runner from the server.");
    }
    store.deleteLocalConfig();
  } catch (err) {
    error(`Failed: ${currentAction}`);
    throw err;
  }
  line();
}
