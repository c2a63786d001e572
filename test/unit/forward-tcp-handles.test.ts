import t from "tap";
import { DEFAULT_FORWARD_OPTIONS } from "../../src/forward/forward-options.ts";
import { loadTcpBindings, tcpBindings } from "../../src/forward/tcp-handles.ts";
import { tcpPath } from "../../src/forward/tcp-path.ts";

// The forwarder relays on Node's own TCP handles (process.binding("tcp_wrap"), "stream_wrap") where they
// fit, else on net.Sockets at about 3x the user CPU per connection. A Node that drops or changes them must
// fail here, in `npm test`, so that the slowdown is seen: run this file with the image's Node too.
t.test("this Node offers the TCP handles the forwarder relays on", async (t) => {
  const b = tcpBindings();
  t.equal(typeof b, "object", `process.binding("tcp_wrap") and ("stream_wrap") fit on ${process.version}: ${typeof b === "string" ? b : "yes"}`);
  t.notOk(tcpPath(DEFAULT_FORWARD_OPTIONS).slower, "so the forwarder takes the handle path");
});

type Bindings = Record<string, Record<string, unknown>>;
const real = (process as unknown as { binding(name: string): Record<string, unknown> }).binding.bind(process);
/** process.binding with `change` applied to copies of its three modules. */
const changed = (change: (m: Bindings) => void) => {
  const m: Bindings = { tcp_wrap: { ...real("tcp_wrap") }, stream_wrap: { ...real("stream_wrap") }, uv: { ...real("uv") } };
  change(m);
  return (name: string) => m[name] ?? real(name);
};
const RealTCP = real("tcp_wrap").TCP as new (type: number) => object;

t.test("a Node whose TCP handles do not fit: the forwarder falls back to net.Sockets, saying what is missing", async (t) => {
  const cases: [string, ((name: string) => Record<string, unknown>) | undefined, string][] = [
    ["process.binding removed", undefined, "no process.binding"],
    ["process.binding throws", () => { throw new Error("No such module: tcp_wrap"); }, "process.binding threw: No such module: tcp_wrap"],
    ["WriteWrap removed", changed((m) => delete m.stream_wrap!.WriteWrap), "no stream_wrap.WriteWrap"],
    ["TCPConnectWrap removed", changed((m) => delete m.tcp_wrap!.TCPConnectWrap), "no tcp_wrap.TCPConnectWrap"],
    ["streamBaseState no longer an Int32Array", changed((m) => (m.stream_wrap!.streamBaseState = new Float64Array(8))), "no stream_wrap.streamBaseState"],
    ["an index past streamBaseState", changed((m) => (m.stream_wrap!.kLastWriteWasAsync = 1000)), "no stream_wrap.kLastWriteWasAsync"],
    ["UV_EOF gone", changed((m) => delete m.uv!.UV_EOF), "no uv.UV_EOF"],
    [
      "a handle without reset()",
      changed((m) => {
        const NoReset = class extends RealTCP {};
        Object.defineProperty(NoReset.prototype, "reset", { value: undefined });
        m.tcp_wrap!.TCP = NoReset;
      }),
      "no TCP handle method reset",
    ],
    [
      "the handle's constructor throws",
      changed((m) => {
        m.tcp_wrap!.TCP = function () {
          throw new TypeError("Illegal constructor");
        };
      }),
      "new TCP() threw: Illegal constructor",
    ],
  ];
  for (const [name, binding, why] of cases) {
    const loaded = loadTcpBindings(binding);
    t.equal(loaded, why, name);
    const chosen = tcpPath(DEFAULT_FORWARD_OPTIONS, loaded);
    t.equal(chosen.slower, `Node ${process.version}'s TCP handles (process.binding) do not fit: ${why}`, `${name}: the portable path, and why`);
  }
  t.equal(typeof loadTcpBindings(changed(() => {})), "object", "the unchanged copies fit (the cases above fail for their change alone)");
});

t.test("the portableTcp option forces the portable path", async (t) => {
  t.equal(tcpPath({ ...DEFAULT_FORWARD_OPTIONS, portableTcp: true }).slower, "the portableTcp option asks for it");
});
