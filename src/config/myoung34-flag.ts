import { flag } from "./rules.ts";

/**
 * How myoung34's entrypoint reads each of its switches: some only when
 * exactly "true", some unless exactly "false", some for any value at all.
 */
export type Myoung34Truth = "exactly-true" | "not-false" | "any-value";

const RULE: Record<Myoung34Truth, string> = {
  "exactly-true": 'only "true" is true',
  "not-false": 'anything but "false" is true',
  "any-value": "any value is true",
};

/**
 * A myoung34 switch read as that image reads it, so that its env files keep
 * their meaning; `warn` when ci-runner's own reading of the value (1/0,
 * true/false, yes/no, on/off) would say otherwise: `EPHEMERAL=false` is
 * ephemeral there, and here too, but the user should know.
 */
export function myoung34Flag(name: string, value: string, truth: Myoung34Truth): { on: boolean; warn?: string } {
  const v = value.trim();
  const on = truth === "exactly-true" ? v === "true" : truth === "not-false" ? v !== "false" : v !== "";
  let ours: boolean | undefined;
  try {
    ours = flag(v, name, false);
  } catch {
    ours = undefined;
  }
  if (ours === on) return { on };
  return { on, warn: `${name}=${v} is read as ${on ? "true" : "false"}, as myoung34's image reads it (${RULE[truth]})` };
}
