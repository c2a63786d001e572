import t from "tap";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findHooks } from "../../src/hooks/hooks-phase.ts";
import { mergeExports } from "../../src/hooks/run-hook.ts";
import { parseEnvFile } from "../../src/hooks/parse-env-file.ts";

t.test("findHooks: entrypoint.*.sh only, bytewise order, files only", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hooks-"));
  for (const n of ["entrypoint.9-b.sh", "entrypoint.10-a.sh", "entrypoint.B.sh", "entrypoint.a.sh", "entrypoint.sh", "other.sh", "entrypoint.x.sh.bak"]) {
    writeFileSync(join(dir, n), "true\n");
  }
  mkdirSync(join(dir, "entrypoint.dir.sh"));
  t.same(
    findHooks(dir).map((p) => p.slice(dir.length + 1)),
    ["entrypoint.10-a.sh", "entrypoint.9-b.sh", "entrypoint.B.sh", "entrypoint.a.sh"],
  );
  t.same(findHooks(join(dir, "missing")), []);
});

t.test("parseEnvFile: NAME=value and heredoc blocks", async (t) => {
  const r = parseEnvFile("A=1\nB=x=y\n\nMULTI<<EOF\nline 1\nline 2\nEOF\nC=\n");
  t.same([...r.vars], [["A", "1"], ["B", "x=y"], ["MULTI", "line 1\nline 2"], ["C", ""]]);
  t.same(r.problems, []);
});

t.test("parseEnvFile: problems are reported with line numbers", async (t) => {
  const r = parseEnvFile("1BAD=x\nno equals\nOPEN<<END\nnever closed\n");
  t.equal(r.vars.size, 0);
  t.equal(r.problems.length, 3);
  t.match(r.problems[0], /line 1: "1BAD"/);
  t.match(r.problems[1], /line 2: expected NAME=value/);
  t.match(r.problems[2], /line 3: no closing delimiter "END"/);
});

t.test("parseEnvFile: a value no environment can hold is a problem, not an export that breaks every later spawn", async (t) => {
  const big = "x".repeat(200 * 1024);
  const r = parseEnvFile(`OK=1\nHUGE=${big}\nNUL=a\0b\nBLOCK<<EOF\n${big}\nEOF\nFITS=${"y".repeat(100 * 1024)}\n`);
  t.same([...r.vars.keys()], ["OK", "FITS"]);
  t.equal(r.problems.length, 3);
  t.match(r.problems[0], /^line 2: HUGE is 201 KiB; the kernel refuses an environment entry over 128 KiB \(E2BIG\); not exported$/);
  t.match(r.problems[1], /^line 3: NUL contains a NUL byte/);
  t.match(r.problems[2], /^line 4: BLOCK is 201 KiB/);
});

t.test("mergeExports: later hooks override; what would take all exports past 1 MiB is left out, one warning each", async (t) => {
  const exported = new Map([["A", "1"]]);
  const warnings: string[] = [];
  const chunk = "z".repeat(120 * 1024);
  const vars = new Map<string, string>([["A", "2"]]);
  for (let i = 0; i < 10; i++) vars.set(`V${i}`, chunk);
  mergeExports(exported, vars, (m) => warnings.push(m));
  t.equal(exported.get("A"), "2", "a later hook overrides");
  t.same([...exported.keys()].filter((k) => k.startsWith("V")), ["V0", "V1", "V2", "V3", "V4", "V5", "V6", "V7"], "8 x 120 KiB fit, the 9th would not");
  t.equal(warnings.length, 2);
  t.match(warnings[0], /^V8 not exported: the exports would pass 1024 KiB/);
  // Replacing a big value by a small one frees its room.
  mergeExports(exported, new Map([["V0", "small"], ["V8", chunk]]), (m) => warnings.push(m));
  t.equal(exported.get("V8"), chunk);
  t.equal(warnings.length, 2);
});

t.test("findHooks: a directory that cannot be read throws, so that its skipped hooks are reported", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hooks-"));
  symlinkSync(join(dir, "loop"), join(dir, "loop"));
  t.throws(() => findHooks(join(dir, "loop")), { code: "ELOOP" });
});
