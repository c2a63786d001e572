import t from "tap";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/supervisor-process.ts";

t.test("README's env-var table is the one generated from src/config/vars.ts", async (t) => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const m = /<!-- env-table[^>]*-->\n([\s\S]*?)<!-- \/env-table -->/.exec(readme);
  t.ok(m, "README has the env-table markers");
  const table = execFileSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts/env-table.ts")], { cwd: REPO_ROOT }).toString();
  t.equal(m?.[1], table, "run `node --import tsx scripts/env-table.ts` and paste its output into README.md");
});

for (const [marker, args] of [["alias-table", []], ["myoung34-table", ["myoung34"]]] as const) {
  t.test(`README's ${marker} is the one generated from src/config/alias-table.ts and other-images.ts`, async (t) => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const m = new RegExp(`<!-- ${marker}[^>]*-->\n([\\s\\S]*?)<!-- /${marker} -->`).exec(readme);
    t.ok(m, `README has the ${marker} markers`);
    const table = execFileSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts/alias-table.ts"), ...args], { cwd: REPO_ROOT }).toString();
    t.equal(m?.[1], table, `run \`node --import tsx scripts/alias-table.ts ${args.join(" ")}\` and paste its output into README.md`);
  });
}

t.test("README's list of phases is bootPhases(), in its order", async (t) => {
  const { bootPhases } = await import("../../src/boot-phases.ts");
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## What the supervisor does"), readme.indexOf("### In jobs"));
  const listed = [...section.matchAll(/^\d+\. \*\*([^*]+)\*\*/gm)].map((m) => m[1]);
  t.same(listed, bootPhases().map((p) => p.name), "one numbered item per phase, named as the phase, in boot order");
});

t.test("README's YAML examples mean what they show", async (t) => {
  const { parse } = await import("yaml");
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const shipped = parse(readFileSync(join(REPO_ROOT, "compose.yml"), "utf8")) as { secrets?: object; volumes?: unknown };
  const blocks = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1] as string);
  t.ok(blocks.length > 0, "README has YAML examples");
  for (const block of blocks) {
    // Fragments (`    environment: ...`) are indented as in a service: parse them dedented.
    const indent = Math.min(...block.split("\n").filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)?.[0].length ?? 0));
    const doc: unknown = parse(block.replace(new RegExp(`^ {${indent}}`, "gm"), ""));
    const head = block.trim().split("\n")[0];
    walk(doc, (key, value) => {
      // `{ GH_LABELS: linux,x64 }` is GH_LABELS=linux plus a variable named x64: labels in a flow mapping need quotes.
      if (key === "environment" && value && typeof value === "object" && !Array.isArray(value)) {
        for (const [name, v] of Object.entries(value)) t.not(v, null, `${head}: environment ${name} has a value`);
      }
    });
    // A compose file, or a service's fragment (`environment:`, `secrets:`, `volumes:` as in a service).
    const compose = doc as { services?: Record<string, Service>; secrets?: object; volumes?: unknown } & Service;
    const fragment = compose?.services === undefined && compose !== null && typeof compose === "object" && "environment" in compose;
    const services = fragment ? { fragment: compose } : (compose?.services ?? {});
    // A fragment goes into a service of compose.yml, whose top level then declares what it uses.
    const top = fragment ? shipped : compose;
    const declared = (what: unknown, name: string) => Boolean(what && typeof what === "object" && !Array.isArray(what) && name in what);
    for (const [service, spec] of Object.entries(services)) {
      for (const s of spec.secrets ?? []) {
        const name = typeof s === "string" ? s : s.source;
        t.ok(declared(top.secrets, name), `${head}: ${service}'s secret ${name} is declared (compose refuses it otherwise)`);
      }
      for (const v of spec.volumes ?? []) {
        const source = typeof v === "string" && v.includes(":") ? (v.split(":")[0] as string) : undefined;
        if (source !== undefined && !/^[./~]/.test(source)) t.ok(declared(top.volumes, source), `${head}: ${service}'s named volume ${source} is declared (compose refuses it otherwise)`);
      }
    }
  }
});

/** What the YAML check reads of a compose service. */
interface Service {
  readonly secrets?: (string | { source: string })[];
  readonly volumes?: unknown[];
}

/** Calls `visit` with every key and value of a parsed YAML document, depth first. */
function walk(node: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(node)) for (const item of node) walk(item, visit);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}

t.test("README's repos.json example is read by the controller as it says", async (t) => {
  const { generateKeyPairSync } = await import("node:crypto");
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { loadConfig } = await import("../../src/config/load-config.ts");
  const { readReposConfig } = await import("../../src/controller/repos-config.ts");
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Many repositories"), readme.indexOf("## The images"));
  const blocks = [...section.matchAll(/^```json\n([\s\S]*?)^```/gm)].map((m) => m[1] as string);
  t.equal(blocks.length, 1, "one repos.json example");
  const dir = mkdtempSync(join(tmpdir(), "readme-repos-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const doc = JSON.parse(blocks[0] ?? "") as { repositories: Record<string, unknown>[] };
  // The files it names ("paths of files are relative to it"), with what each must hold.
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  for (const entry of doc.repositories) {
    for (const [field, value] of Object.entries(entry)) {
      if (field.endsWith("_file")) writeFileSync(join(dir, String(value)), field === "app_private_key_file" ? pem : `${field}-of-${String(entry.id)}\n`);
    }
  }
  const file = join(dir, "repos.json");
  writeFileSync(file, blocks[0] ?? "");
  const repos = readReposConfig(file, loadConfig({ CI_RUNNER_SECRETS_DIR: join(dir, "none"), REPOS_CONFIG_FILE: file, DATA_DIR: dir }, undefined, "controller"));
  t.match(repos.entries, [
    { id: "web", scope: { kind: "repository", name: "acme/web" }, credentials: { kind: "pat" }, maxRunners: 4, runnerImage: "ci-runner:ephemeral" },
    { id: "acme", scope: { kind: "organization", name: "acme" }, credentials: { kind: "app" }, requiredLabels: ["gpu"], maxRunners: 2, runnerGroup: "autoscaled" },
  ], "each entry as the field table says: its scope, credential, cap, image (its own or the defaults')");
});

t.test("README's actions-runner-controller values fit gha-runner-scale-set 0.14.2 and the commands before them", async (t) => {
  const { parse } = await import("yaml");
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Kubernetes and actions-runner-controller"), readme.indexOf("## Troubleshooting"));
  const sh = [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1] as string).join("\n").replace(/\\\n\s*/g, " ");
  const secret = /kubectl create secret generic (\S+) --namespace (\S+)/.exec(sh);
  const chart = /helm install \S+ --namespace (\S+) .*gha-runner-scale-set$/m.exec(sh);
  t.ok(secret && chart, "the commands create the Secret and install the chart");
  // The chart reads githubConfigSecret from its own namespace.
  t.equal(secret?.[2], chart?.[1], "the Secret is in the chart's namespace");
  t.match(sh, /helm install .*gha-runner-scale-set-controller/, "ARC's controller is installed first");
  const values = [...section.matchAll(/^```yaml\n([\s\S]*?)^```/gm)]
    .map((m) => parse(m[1] as string) as Record<string, unknown> & { containerMode?: { type?: string; kubernetesModeWorkVolumeClaim?: unknown }; template?: { spec?: { containers?: { name: string; image?: string; command?: string[] }[] } } })
    .filter((v) => v && typeof v === "object" && "githubConfigUrl" in v);
  t.ok(values.length >= 5, "a values file per mode");
  for (const v of values) {
    const mode = v.containerMode?.type ?? "default";
    t.equal(v.githubConfigSecret, secret?.[1], `${mode}: githubConfigSecret names the Secret the commands create`);
    // The chart's values.yaml: containerMode.type is one of these; kubernetes needs the work claim.
    t.ok(["default", "dind", "kubernetes", "kubernetes-novolume"].includes(mode), `${mode}: a containerMode the chart knows`);
    if (mode === "kubernetes") t.ok(v.containerMode?.kubernetesModeWorkVolumeClaim, "kubernetes: kubernetesModeWorkVolumeClaim, which the chart requires");
    // The chart merges its additions into the container named runner, and copies dind's externals from its image.
    const runner = v.template?.spec?.containers?.find((c) => c.name === "runner");
    t.ok(runner?.image, `${mode}: a container named runner with its image`);
    t.same(runner?.command, ["/home/runner/run.sh"], `${mode}: the supervisor as the chart's command`);
  }
});
