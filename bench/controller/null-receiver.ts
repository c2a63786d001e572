// The floor of bench:controller's answer times: a receiver that answers 202
// to anything at once, in its own process like the others.
// Usage: node --import tsx null-receiver.ts   (prints "listening PORT")
import { createServer } from "node:http";

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(202).end("{}"));
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`));
