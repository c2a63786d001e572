// FORWARD_HOST/FORWARD_PORTS: a job reaches a service on the host through
// 127.0.0.1:N inside the container (TCP and UDP), the host named
// host.docker.internal as users write it.
import { createSocket } from "node:dgram";
import { createServer, type AddressInfo } from "node:net";
import t from "tap";
import { containerLogs, runContainer } from "./helpers/container.ts";
import { hostGateway, IMAGE } from "./helpers/docker.ts";
import { startGatewayFake } from "./helpers/gateway-fake.ts";
import { jobDone, onlineRunners, queueJob, runnerEnv } from "./helpers/runner-env.ts";
import { waitUntil } from "./helpers/wait-until.ts";


t.test("a job reaches host services through forwarded ports", async (t) => {
  const gateway = await hostGateway();

  // One port number for both: a TCP and a UDP echo service on the host.
  const tcp = createServer((s) => s.once("data", (d) => s.end(`tcp-pong:${d.toString().trim()}\n`)));
  await new Promise<void>((r) => tcp.listen(0, gateway, r));
  t.teardown(() => tcp.close());
  const port = (tcp.address() as AddressInfo).port;
  const udp = createSocket("udp4");
  udp.on("message", (m, from) => udp.send(`udp-pong:${m.toString().trim()}\n`, from.port, from.address));
  await new Promise<void>((r) => udp.bind(port, gateway, r));
  t.teardown(() => udp.close());

  const { fake, url } = await startGatewayFake(t);
  const id = await runContainer(t, {
    image: IMAGE,
    env: { ...runnerEnv(url, true), FORWARD_HOST: "host.docker.internal", FORWARD_PORTS: `${port} ${port}/udp` },
  });
  await waitUntil("the runner online", () => onlineRunners(fake).length === 1);

  const job = await jobDone(fake, queueJob(fake, {
    run: [
      `exec 3<>/dev/tcp/127.0.0.1/${port}; echo ping >&3; head -n 1 <&3`,
      `exec 4<>/dev/udp/127.0.0.1/${port}; echo ping >&4; timeout 10 head -n 1 <&4`,
    ].join("\n"),
  }));
  t.equal(job.conclusion, "Succeeded", "the job succeeded");
  t.match(job.log, /tcp-pong:ping/, "TCP through 127.0.0.1:N reached the host");
  t.match(job.log, /udp-pong:ping/, "UDP through 127.0.0.1:N/udp reached the host");
  // The forwarder warns at start when it relays TCP in user space: the splice relay's addon did not load.
  t.notMatch(await containerLogs(id), /user space/, "TCP is relayed with splice(2) in the image");
});
