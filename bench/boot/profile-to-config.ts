// Where PID 1's main thread spends its time from exec to config.sh's spawn:
// reads the --cpu-prof files that `BENCH_CPU_PROF=DIR npm run bench:boot-cpu`
// wrote, cuts each at the end of the first runConfigSh() call (the spawn), and
// prints the medians over the profiles of self time per file (each bundle
// chunk split into the source files esbuild names in it) and the heaviest
// functions by total time.
//   node --import=tsx bench/boot/profile-to-config.ts DIR/side1 [BUNDLE_DIR]
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { percentile } from "./report.ts";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: number[];
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

const [dir, bundleDir] = process.argv.slice(2);
if (!dir) throw new Error("usage: profile-to-config.ts PROFILE_DIR [BUNDLE_DIR]");

/** Line -> source file of a bundle chunk, from esbuild's `// src/x.ts` comments. */
const sourcesOf = new Map<string, string[]>();
function sourceAt(url: string, line: number): string {
  const file = url.startsWith("file:") ? fileURLToPath(url) : url;
  const name = basename(file);
  let lines = sourcesOf.get(name);
  if (!lines) {
    lines = [];
    let current = name;
    try {
      const text = readFileSync(bundleDir ? join(bundleDir, name) : file, "utf8").split("\n");
      for (const l of text) {
        const m = /^\/\/ (?:\S*?\/)?((?:src|node_modules)\/\S+\.[cm]?[jt]s)$/.exec(l);
        if (m) current = m[1] as string;
        lines.push(current);
      }
    } catch {
      // Not readable: the chunk's name alone.
    }
    sourcesOf.set(name, lines);
  }
  const src = lines[line];
  return src && src !== name ? `${name.replace(/-[A-Z0-9]{8}\.mjs$/, ".mjs")}: ${src}` : name;
}

function category(f: CallFrame): string {
  if (!f.url) return f.functionName.startsWith("(") ? f.functionName : "(native)";
  if (f.url.startsWith("node:internal/modules/esm/")) return "node: ES module loader";
  if (f.url.startsWith("node:internal/modules/")) return `node: ${f.url.slice(22)}`;
  if (f.url.startsWith("node:")) return f.url;
  if (/ci-runner[^/]*\.m?js$/.test(f.url)) return sourceAt(f.url, f.lineNumber);
  return f.url;
}

const selfMs = new Map<string, number[]>();
const totalMs = new Map<string, number[]>();
const cutMs: number[] = [];
/** The main thread waiting (the event loop idle) before config.sh's spawn. */
const idleMs: number[] = [];
/** From the profile's start (early in Node's own) to config.sh's spawn. */
const wallMs: number[] = [];
const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
for (const [i, f] of files.entries()) {
  const p = JSON.parse(readFileSync(join(dir, f), "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number): ProfileNode[] => {
    const out: ProfileNode[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) out.push(byId.get(cur) as ProfileNode);
    return out;
  };
  const inConfigSh = (id: number) => stack(id).some((n) => n.callFrame.functionName === "runConfigSh");
  const first = p.samples.findIndex(inConfigSh);
  if (first < 0) continue;
  let end = first;
  while (end + 1 < p.samples.length && inConfigSh(p.samples[end + 1] as number)) end++;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let elapsed = 0;
  let idle = 0;
  for (let s = 0; s <= end; s++) {
    // A sample's duration: the time to the next one.
    const ms = (p.timeDeltas[s + 1] ?? 0) / 1000;
    const frames = stack(p.samples[s] as number);
    const top = frames[0]?.callFrame;
    if (top?.functionName === "(idle)") idle += ms;
    if (!top || top.functionName === "(idle)") continue;
    elapsed += ms;
    const c = category(top);
    self.set(c, (self.get(c) ?? 0) + ms);
    const seen = new Set<string>();
    for (const n of frames) {
      const k = `${n.callFrame.functionName || "(anonymous)"} ${category(n.callFrame)}:${n.callFrame.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + ms);
    }
  }
  cutMs.push(elapsed);
  idleMs.push(idle);
  wallMs.push(p.timeDeltas.slice(0, end + 2).reduce((a, b) => a + b, 0) / 1000);
  // Every key in every profile, 0 where absent: medians over the same number of profiles.
  for (const [map, one] of [[selfMs, self], [totalMs, total]] as const) {
    for (const [k, v] of one) {
      if (!map.has(k)) map.set(k, new Array<number>(i).fill(0));
    }
    for (const [k, vs] of map) vs.push(one.get(k) ?? 0);
  }
}

const say = (m: string) => process.stdout.write(`${m}\n`);
const med = (xs: number[]) => percentile(xs, 50);
say(`${cutMs.length} profiles; main thread busy up to config.sh's spawn: median ${med(cutMs).toFixed(1)} ms (${Math.min(...cutMs).toFixed(1)}-${Math.max(...cutMs).toFixed(1)}), idle meanwhile ${med(idleMs).toFixed(1)} ms, wall ${med(wallMs).toFixed(1)} ms (${Math.min(...wallMs).toFixed(1)}-${Math.max(...wallMs).toFixed(1)})`);
say("\nself time by file, median ms:");
for (const [k, vs] of [...selfMs].sort((a, b) => med(b[1]) - med(a[1])).slice(0, 40)) say(`${med(vs).toFixed(2).padStart(8)}  ${k}`);
say("\ntotal time by function, median ms:");
for (const [k, vs] of [...totalMs].sort((a, b) => med(b[1]) - med(a[1])).slice(0, 150)) say(`${med(vs).toFixed(2).padStart(8)}  ${k}`);
