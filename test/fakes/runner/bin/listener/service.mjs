// Client of the fake GitHub's runner protocol (/_fake/runner/...): OAuth
// with a client assertion signed by the runner key, sessions, long-polled
// messages, job reports. Errors are classified the way the real listener
// reacts to them.
import { HttpError, request } from "./http.mjs";
import { clientAssertion } from "./keys.mjs";

/** The registration is gone: the token endpoint answers invalid_client. */
export class RegistrationDeletedError extends Error {}
/** The runner no longer exists (404 RunnerNotFound). */
export class RunnerNotFoundError extends Error {}
/** Another listener holds this runner's session (409). */
export class SessionConflictError extends Error {}
/** The session timed out server-side; make a new one. */
export class SessionExpiredError extends Error {}

function classify(err) {
  if (!(err instanceof HttpError)) return err;
  const body = err.json();
  if (err.status === 404 && body.code === "RunnerNotFound") return new RunnerNotFoundError(body.message ?? err.message);
  if (err.status === 404 && body.code === "SessionExpired") return new SessionExpiredError(body.message ?? err.message);
  if (err.status === 409) return new SessionConflictError(body.message ?? err.message);
  return err;
}

export function createServiceClient(store, version) {
  const settings = store.settings();
  const credentials = store.credentials();
  const base = settings.serverUrl;
  let accessToken;

  async function authenticate() {
    const { clientId, authorizationUrl } = credentials.data;
    try {
      const res = await request("POST", authorizationUrl, {
        form: {
          grant_type: "client_credentials",
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: clientAssertion(store.rsaParams(), clientId, authorizationUrl),
        },
      });
      accessToken = res.json().access_token;
    } catch (err) {
      if (err instanceof HttpError && err.status === 401 && err.json().error === "invalid_client") {
        throw new RegistrationDeletedError("invalid_client");
      }
      throw err;
    }
  }

  async function call(method, path, options = {}) {
    if (!accessToken) await authenticate();
    const send = () => request(method, `${base}${path}`, { ...options, headers: { ...options.headers, authorization: `Bearer ${accessToken}` } });
    try {
      return await send();
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) {
        await authenticate();
        try {
          return await send();
        } catch (again) {
          throw classify(again);
        }
      }
      throw classify(err);
    }
  }

  return {
    settings,
    authenticate,
    async createSession() {
      return (await call("POST", "/sessions", { json: { version, sessionName: settings.agentName } })).json().sessionId;
    },
    async deleteSession(sid) {
      await call("DELETE", `/sessions/${sid}`, { timeoutMs: 30_000 });
    },
    /** The next message (`{type: "job", job}` or `{type: "cancel", jobId}`), or undefined when the poll ended empty. */
    async getMessage(sid, waitMs, signal) {
      const res = await call("GET", `/sessions/${sid}/messages?waitMs=${waitMs}`, { signal, timeoutMs: waitMs + 30_000 });
      return res.status === 200 ? res.json() : undefined;
    },
    async jobStart(id) {
      await call("POST", `/jobs/${id}/start`, { json: {} });
    },
    async jobLog(id, text) {
      await call("POST", `/jobs/${id}/log`, { body: text, headers: { "content-type": "text/plain; charset=utf-8" } });
    },
    async jobComplete(id, result, once) {
      await call("POST", `/jobs/${id}/complete`, { json: { result, once } });
    },
  };
}
