import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from "../../fakes/github/fake-github.ts";
import { hostGateway } from "./docker.ts";

/** A fake GitHub the containers reach, and the GH_URL they use for it. */
export interface GatewayFake {
  readonly fake: FakeGitHub;
  /** `http://host.docker.internal:PORT`: through compose's extra_hosts host-gateway entry. */
  readonly url: string;
}

/**
 * Starts a fake GitHub listening on the host-gateway address only (not on
 * every interface), closed at the end of the test.
 */
export async function startGatewayFake(
  t: { teardown(fn: () => unknown): void },
  opts: FakeGitHubOptions = {},
): Promise<GatewayFake> {
  const fake = await startFakeGitHub({ ...opts, host: await hostGateway() });
  t.teardown(() => fake.close());
  const port = new URL(fake.url).port;
  return { fake, url: `http://host.docker.internal:${port}` };
}
