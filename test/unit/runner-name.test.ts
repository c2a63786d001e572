import t from "tap";
import { runnerName } from "../../src/runner/runner-name.ts";

t.test("the host id as it is, hashed when it is no plain id, and a random suffix for one-job runners", async (t) => {
  t.equal(runnerName(undefined, "ci-runner", false, "4273d0db3fc7"), "ci-runner-4273d0db3fc7");
  t.equal(runnerName("mine", "ci-runner", true, "4273d0db3fc7"), "mine");
  t.match(runnerName(undefined, "ci-runner", false, "host.example.com"), /^ci-runner-[0-9a-f]{12}$/);
  t.equal(runnerName(undefined, "p", false, "host.example.com"), runnerName(undefined, "p", false, "host.example.com"), "stable across restarts");
  const one = runnerName(undefined, "ci-runner", true, "4273d0db3fc7");
  t.match(one, /^ci-runner-4273d0db3fc7-[0-9a-f]{8}$/);
  t.not(one, runnerName(undefined, "ci-runner", true, "4273d0db3fc7"), "never repeats");
});
