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
