import t from "tap";
import { tcpBindings } from "../../src/forward/tcp-handles.ts";

// The forwarder relays on Node's own TCP handles (process.binding("tcp_wrap"), "stream_wrap"). A Node
// that drops or changes them must fail here, in `npm test`, not in a container whose forwarded ports
// then answer nothing: run this file with the image's Node too when it changes.
t.test("this Node offers the TCP handles the forwarder relays on", async (t) => {
  const b = tcpBindings();
  t.ok(b, `process.binding("tcp_wrap") and ("stream_wrap") have what tcp-handles.ts expects on ${process.version}`);
  t.equal(typeof b?.eof, "number", "UV_EOF is known");
});
