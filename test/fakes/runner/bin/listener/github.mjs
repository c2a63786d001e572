// The GitHub calls config.sh makes before it talks to the runner service:
// a registration/remove token from a PAT (REST), and the tenant credential
// from POST <api>/actions/runner-registration (Authorization: RemoteAuth).
import { HttpError, request, statusName } from "./http.mjs";
import { error } from "./term.mjs";

function isHosted(url) {
  if ((process.env.GITHUB_ACTIONS_RUNNER_FORCE_GHES ?? "").toLowerCase() === "true") return false;
  const host = url.hostname.toLowerCase();
  return host === "github.com" || host === "www.github.com" || host === "github.localhost" || host.endsWith(".ghe.localhost") || host.endsWith(".ghe.com");
}

/** `https://api.github.com` for github.com, `<origin>/api/v3` for GitHub Enterprise Server (and the fake). */
export function apiBase(githubUrl) {
  const url = new URL(githubUrl);
  return isHosted(url) ? `${url.protocol}//api.${url.host}` : `${url.origin}/api/v3`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** POST with the listener's retry rule: up to 3 attempts, none after a 404; failures printed as the real one does. */
async function postWithRetry(url, options) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request("POST", url, options);
    } catch (err) {
      if (err instanceof HttpError) {
        error(`Http response code: ${statusName(err.status)} from 'POST ${url}' (Request Id: ${requestId(err)})`);
        error(err.text);
      }
      if (attempt >= 3 || (err instanceof HttpError && err.status === 404)) throw err;
      await sleep(1000);
    }
  }
}

function requestId(err) {
  return err.headers?.get?.("x-github-request-id") ?? "";
}

/** A registration or remove token obtained with a PAT (`--pat`). */
export async function runnerTokenFromPat(githubUrl, pat, kind) {
  const url = new URL(githubUrl);
  const parts = url.pathname.split("/").filter(Boolean);
  let scope;
  if (parts.length === 1) scope = `orgs/${parts[0]}`;
  else if (parts.length === 2) scope = parts[0].toLowerCase() === "enterprises" ? `enterprises/${parts[1]}` : `repos/${parts[0]}/${parts[1]}`;
  else throw new Error(`'${githubUrl}' should point to an org or repository.`);
  const basic = Buffer.from(`github:${pat}`).toString("base64");
  const res = await postWithRetry(`${apiBase(githubUrl)}/${scope}/actions/runners/${kind}-token`, {
    headers: { authorization: `basic ${basic}`, accept: "application/vnd.github.v3+json" },
    body: "",
  });
  return res.json().token;
}

/** `{url, token}` of the runner service for this registration or removal. */
export async function tenantCredential(githubUrl, token, event) {
  const res = await postWithRetry(`${apiBase(githubUrl)}/actions/runner-registration`, {
    headers: { authorization: `RemoteAuth ${token}` },
    json: { url: githubUrl, runner_event: event },
  });
  return res.json();
}
