import t from "tap";
import { missedSignals } from "../../src/pid1/handle-signals.ts";

const status = (cgt: string) => `Name:\tnode\nSigPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigCgt:\t${cgt}\n`;

t.test("Node's startup handlers still in place: nothing missed", async (t) => {
  t.same(missedSignals(status("0000000100004602")), []);
});

t.test("SIGTERM's one-shot handler gone: SIGTERM came during startup", async (t) => {
  t.same(missedSignals(status("0000000100000602")), ["SIGTERM"]);
});

t.test("SIGINT's gone: SIGINT came", async (t) => {
  t.same(missedSignals(status("0000000100004600")), ["SIGINT"]);
});

t.test("both gone reads as a Node that installs neither, never as a stop", async (t) => {
  t.same(missedSignals(status("0000000100000600")), []);
});

t.test("no SigCgt line (not Linux /proc): nothing", async (t) => {
  t.same(missedSignals("Name:\tnode\n"), []);
});
