import t from "tap";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findHooks } from "../../src/hooks/find-hooks.ts";
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
