// Imported first by main.ts, so that esbuild evaluates it before any other
// module of the bundle (their top-level code, @octokit's among them, runs
// after it) and long before main(): from here on PID 1 catches every stop
// signal and never opens a debugger. What comes before it is Node's own
// startup; bench/pid1-window measures both.
import { createLogger } from "../log/logger.ts";
import { closeDebugger } from "./close-debugger.ts";
import { holdStopSignals, refuseUserSignals } from "./handle-signals.ts";

holdStopSignals();
const log = createLogger("ci-runner");
refuseUserSignals(log);
closeDebugger(log);
