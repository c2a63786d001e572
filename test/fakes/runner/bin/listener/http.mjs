// HTTP for the listener (global fetch), with the error messages .NET's
// HttpClient gives, and a guard: this fake never talks to the real GitHub.
import { STATUS_CODES } from "node:http";

/** .NET's HttpStatusCode name ("NotFound", "InternalServerError"). */
export function statusName(status) {
  return (STATUS_CODES[status] ?? String(status)).replace(/[^A-Za-z0-9]/g, "");
}

export class HttpError extends Error {
  constructor(method, url, status, text, headers) {
    super(`Response status code does not indicate success: ${status} (${STATUS_CODES[status] ?? "Unknown"}).`);
    this.method = method;
    this.url = url;
    this.status = status;
    this.text = text;
    this.headers = headers;
  }

  json() {
    try {
      return JSON.parse(this.text);
    } catch {
      return {};
    }
  }
}

function guard(url) {
  const host = new URL(url).hostname.toLowerCase();
  // Names a test maps to the fake itself (a hosts file), such as api.octo.ghe.com.
  if ((process.env.FAKE_RUNNER_ALLOW_HOSTS ?? "").split(",").includes(host)) return;
  if (host === "github.com" || host.endsWith(".github.com") || host.endsWith(".ghe.com") || host.endsWith("githubusercontent.com")) {
    throw new Error(`The fake runner does not contact ${host}: point --url at the fake GitHub.`);
  }
}

function networkMessage(err, url) {
  const cause = err?.cause ?? {};
  const { hostname, port } = new URL(url);
  const where = `${hostname}:${port || (url.startsWith("https") ? 443 : 80)}`;
  if (err?.name === "TimeoutError") return "The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.";
  if (cause.code === "ECONNREFUSED") return `Connection refused (${where})`;
  if (cause.code === "ENOTFOUND" || cause.code === "EAI_AGAIN") return `Name or service not known (${where})`;
  if (cause.code === "ECONNRESET" || cause.code === "UND_ERR_SOCKET") return "An error occurred while sending the request.";
  return cause.message ?? err?.message ?? String(err);
}

/** AbortSignal.any for Node versions before 20.3. */
function anySignal(a, b) {
  if (typeof AbortSignal.any === "function") return AbortSignal.any([a, b]);
  const ctl = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) ctl.abort(s.reason);
    else s.addEventListener("abort", () => ctl.abort(s.reason), { once: true });
  }
  return ctl.signal;
}

/**
 * Sends a request; resolves `{status, headers, text, json()}` for 2xx,
 * rejects with HttpError for other statuses and with Error(.NET-like
 * message) when the server cannot be reached. Abort errors pass through.
 */
export async function request(method, url, { headers = {}, json, form, body, timeoutMs = 100_000, signal } = {}) {
  guard(url);
  const allHeaders = { "user-agent": "GitHubActionsRunner-linux-x64/fake", ...headers };
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    allHeaders["content-type"] = "application/json";
  } else if (form !== undefined) {
    payload = new URLSearchParams(form).toString();
    allHeaders["content-type"] = "application/x-www-form-urlencoded";
  }
  const timeout = AbortSignal.timeout(timeoutMs);
  let res;
  try {
    res = await fetch(url, { method, headers: allHeaders, body: payload, signal: signal ? anySignal(signal, timeout) : timeout });
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    throw new Error(networkMessage(err, url));
  }
  let text;
  try {
    text = await res.text();
  } catch (err) {
    if (signal?.aborted) throw signal.reason ?? err;
    throw new Error(networkMessage(err, url));
  }
  if (res.status < 200 || res.status > 299) throw new HttpError(method, url, res.status, text, res.headers);
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => (text === "" ? {} : JSON.parse(text)),
  };
}
