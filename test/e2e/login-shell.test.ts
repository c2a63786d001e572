// `docker compose exec ci-runner bash -l` lands as guest in the checkout
// directory (through a real pty, as a person would type it); plain `bash`
// stays root, so derived-image debugging as root keeps working.
import t from "tap";
import { ComposeProject } from "./helpers/compose-project.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { probeInPty } from "./helpers/pty-shell.ts";
import { CHECKOUT_DIR, onlineRunners, runnerEnv } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";

t.test("bash -l is guest in the checkout dir, bash is root", async (t) => {
  const { fake, url } = await startGatewayFake(t);
  const project = ComposeProject.create(t, "login", runnerEnv(url));
  await project.compose(["up", "-d", "ci-runner"]);
  await waitUntil("the runner online", () => onlineRunners(fake).length === 1);

  const login = await probeInPty(project.spawnSpec(["exec", "ci-runner", "bash", "-l"]), [
    "$(whoami)",
    "$(pwd)",
    "$(id -nG)",
    "$(sudo -n whoami)",
    "${GH_TOKEN:-unset}",
  ]);
  const [user, dir, groups, sudoUser, token] = login.values;
  t.equal(user, "guest", "bash -l: whoami is guest");
  t.equal(dir, CHECKOUT_DIR, "bash -l: pwd is the checkout dir");
  t.match(groups, /\bdocker\b/, "guest is in the docker group");
  t.equal(sudoUser, "root", "guest has passwordless sudo");
  t.equal(token, "unset", "no GH_TOKEN in the login shell");

  const plain = await probeInPty(project.spawnSpec(["exec", "ci-runner", "bash"]), ["$(whoami)", "$(pwd)"]);
  t.same(plain.values, ["root", "/root"], "plain bash: root in /root");
});
