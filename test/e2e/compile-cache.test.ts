// The image's supervisor starts from V8's code cache (Node >= 22.1's compile
// cache, filled when the image is built): README "Start-up and memory". On a
// Node without one (an offline build on Node 20) the image has no cache and
// the supervisor runs the same.
import t from "tap";
import { docker, IMAGE } from "./helpers/docker.ts";

const NODE = "/opt/ci-runner/node";

t.test("the supervisor's code loads from the code cache built into the image, where its Node has one", async (t) => {
  const probe = await docker(["run", "--rm", "--entrypoint", NODE, IMAGE, "-p", "typeof require('node:module').enableCompileCache"]);
  const listing = await docker(["run", "--rm", "--entrypoint", "ls", IMAGE, "-A", "/opt/ci-runner/compile-cache"], { check: false });
  if (probe.stdout.trim() !== "function") {
    t.not(listing.code, 0, "no compile cache in an image whose Node has none");
    return;
  }
  t.equal(listing.code, 0, "/opt/ci-runner/compile-cache exists");
  // `config` loads the supervisor's file (and exits 78 here: no credential); Node tells what it did with each.
  const run = await docker(["run", "--rm", "-e", "NODE_DEBUG_NATIVE=COMPILE_CACHE", IMAGE, "config"], { check: false });
  t.equal(run.code, 78, "config without a credential: exit 78");
  t.match(run.stderr + run.stdout, /V8 code cache for CommonJS \/opt\/ci-runner\/ci-runner-supervisor-command\.js was accepted/, "the supervisor's file came from the cache");
  t.notMatch(run.stderr + run.stdout, /was rejected/, "no cache entry was stale");
});
