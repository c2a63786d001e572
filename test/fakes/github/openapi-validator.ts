import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface OpenApiDoc {
  paths: Record<string, Record<string, { responses?: Record<string, JsonObject> }>>;
  components: { schemas: Record<string, Json>; responses: Record<string, JsonObject> };
}

/** Outcome of validating one response body. */
export interface ValidationResult {
  /** Where the schema came from: `<file> <METHOD> <path> <status>`, or the `basic-error` fallback. */
  schemaSource: string;
  /** ajv's messages; empty when the body is valid. */
  errors: string[];
}

/**
 * OpenAPI 3.0 -> JSON Schema: `nullable: true` becomes `anyOf [schema, null]`
 * (ajv would refuse `nullable` next to `anyOf`/`$ref`), and component
 * references point into the document registered under `docId`.
 */
function toJsonSchema(node: Json, docId: string): Json {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, docId));
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "nullable" || k === "example" || k === "examples" || k === "discriminator" || k.startsWith("x-")) continue;
    if (k === "$ref" && typeof v === "string") out[k] = v.startsWith("#/") ? `${docId}${v}` : v;
    else out[k] = toJsonSchema(v, docId);
  }
  return (node as JsonObject).nullable === true ? { anyOf: [out, { type: "null" }] } : out;
}

/**
 * Validates response bodies against GitHub's published OpenAPI description
 * (npm @octokit/openapi): `api.github.com.json` first, then `ghec.json` for
 * the enterprise paths. Statuses an operation does not document (401, 403,
 * 404 on most) are checked against `basic-error`, GitHub's generic error.
 */
export function createOpenApiValidator(): (method: string, pathTemplate: string, status: number, body: unknown) => ValidationResult {
  const require = createRequire(import.meta.url);
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  // Each description is ~13 MB: ghec.json is read only when a path is not in api.github.com.json.
  const docs: { file: string; id: string; spec: OpenApiDoc }[] = [];
  const load = (file: string): { file: string; id: string; spec: OpenApiDoc } => {
    const id = file.replace(/\W/g, "_");
    const spec = JSON.parse(readFileSync(require.resolve(`@octokit/openapi/generated/${file}`), "utf8")) as OpenApiDoc;
    ajv.addSchema({ $id: id, components: { schemas: toJsonSchema(spec.components.schemas as Json, id) } } as object);
    const doc = { file, id, spec };
    docs.push(doc);
    return doc;
  };
  load("api.github.com.json");
  const cache = new Map<string, ValidateFunction>();
  const compiled = (key: string, schema: () => Json): ValidateFunction => {
    let fn = cache.get(key);
    if (!fn) {
      fn = ajv.compile(schema() as object);
      cache.set(key, fn);
    }
    return fn;
  };

  return (method, pathTemplate, status, body) => {
    const m = method.toLowerCase();
    let doc = docs.find((d) => d.spec.paths[pathTemplate]?.[m]);
    if (!doc && docs.length === 1) {
      const ghec = load("ghec.json");
      if (ghec.spec.paths[pathTemplate]?.[m]) doc = ghec;
    }
    if (!doc) throw new Error(`no operation ${method} ${pathTemplate} in @octokit/openapi`);
    let response = doc.spec.paths[pathTemplate]![m]!.responses?.[String(status)];
    let source = `${doc.file} ${method.toUpperCase()} ${pathTemplate} ${status}`;
    if (response && typeof response.$ref === "string") {
      response = doc.spec.components.responses[response.$ref.split("/").pop()!];
    }
    let schema: Json | undefined;
    if (response) {
      const content = response.content as JsonObject | undefined;
      schema = (content?.["application/json"] as JsonObject | undefined)?.schema;
      if (schema === undefined) {
        // A documented status without a body (204): there must be none.
        return { schemaSource: `${source} (no body)`, errors: body === undefined || body === "" ? [] : ["body present where none is documented"] };
      }
    } else if (status >= 400) {
      source = `${doc.file} #/components/schemas/basic-error (status ${status} undocumented for ${method.toUpperCase()} ${pathTemplate})`;
      schema = { $ref: "#/components/schemas/basic-error" };
    } else {
      return { schemaSource: source, errors: [`status ${status} is not documented`] };
    }
    const validate = compiled(source, () => toJsonSchema(schema, doc.id));
    const ok = validate(body);
    return {
      schemaSource: source,
      errors: ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`),
    };
  };
}
