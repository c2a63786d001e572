import type { Test } from "tap";
import { FAKE_PAT, type FakeGitHub } from "../fakes/github/fake-github.ts";
import { createOpenApiValidator } from "../fakes/github/openapi-validator.ts";

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * REST calls to the fake GitHub (FAKE_PAT unless `token`), and the check
 * that an answer has the status expected and a body GitHub's OpenAPI
 * description allows for that operation and status.
 */
export function fakeRestCaller(gh: FakeGitHub): {
  call(method: string, path: string, opts?: { token?: string; body?: unknown }): Promise<Reply>;
  conforms(t: Test, method: string, template: string, reply: Reply, status: number): void;
  validate: ReturnType<typeof createOpenApiValidator>;
} {
  const validate = createOpenApiValidator();
  return {
    validate,
    async call(method, path, opts = {}) {
      const res = await fetch(path.startsWith("http") ? path : `${gh.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${opts.token ?? FAKE_PAT}`,
          ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
    },
    conforms(t, method, template, reply, status) {
      t.equal(reply.status, status, `${method} ${template} -> ${status}`);
      const { schemaSource, errors } = validate(method, template, reply.status, reply.body);
      t.same(errors, [], `body valid against ${schemaSource}`);
    },
  };
}
