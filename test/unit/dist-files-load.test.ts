import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import t from "tap";

// The image build loads every dist/ci-runner-*.js and .mjs to fill Node's compile cache
// (scripts/fill-compile-cache.mjs, on the image's Node >= 22.1 only): loading one must run nothing and
// throw nothing, or the image does not build. The same loop, without the cache, on this Node.
const root = join(import.meta.dirname, "../..");
const dist = join(root, "dist");

t.test("every dist/ci-runner-* file loads without running anything (the image's compile-cache fill)", async (t) => {
  const files = readdirSync(dist).filter((f) => /^ci-runner-.*\.m?js$/.test(f));
  t.ok(files.includes("ci-runner-relay-thread.js"), "the relay thread's file is among them");
  const r = spawnSync(process.execPath, [join(root, "scripts/fill-compile-cache.mjs"), dist, "--load-only"], { encoding: "utf8", timeout: 60_000 });
  t.equal(r.stderr, "", "nothing on stderr");
  t.equal(r.status, 0);
  t.equal(r.stdout.trim(), `loaded ${files.length} files of ${dist} (node ${process.version})`);
});
