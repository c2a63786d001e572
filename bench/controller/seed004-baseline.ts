// Seed 004's controller in a few lines, for bench:controller: one request at
// a time (Python's http.server), and for each `queued` delivery a
// registration token and a synchronous `docker run -d` before the answer.
// Usage: node --import tsx seed004-baseline.ts PORT SECRET GH_API TOKEN IMAGE LABEL
import { execFileSync } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const [port = "0", secret = "", api = "", token = "", image = "", label = ""] = process.argv.slice(2);
const DOCKER = process.env.DOCKER ?? "/usr/bin/docker";
let busy = Promise.resolve();

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    // http.server handles one request at a time: so does this queue.
    busy = busy.then(async () => {
      const body = Buffer.concat(chunks);
      const want = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
      const got = Buffer.from(String(req.headers["x-hub-signature-256"] ?? ""));
      if (want.length !== got.length || !timingSafeEqual(want, got)) return void res.writeHead(401).end();
      const event = JSON.parse(body.toString()) as { action?: string };
      if (event.action === "queued") {
        await fetch(`${api}/repos/octo/hello/actions/runners/registration-token`, { method: "POST", headers: { authorization: `token ${token}` } });
        execFileSync(DOCKER, ["run", "-d", "--rm", "--label", label, image, "true"], { stdio: "ignore" });
      }
      res.writeHead(200).end("ok");
    });
  });
}).listen(Number(port), "127.0.0.1", function (this: { address(): { port: number } }) {
  process.stdout.write(`listening ${this.address().port}\n`);
});
