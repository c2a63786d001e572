import { ALIASES } from "./alias-table.ts";
import { ConfigError } from "./config-error.ts";
import { shownUrl } from "./rules.ts";
import type { Env } from "./load-config.ts";
import { VARS, type VarName, type VarSpec } from "./vars.ts";

/** What one alias does with its value: ci-runner variables to set, and a line to warn with. */
export interface AliasEffect {
  readonly set?: Readonly<Record<string, string>>;
  /** One warning line (naming the alias): the value has no effect here, or not the one a user might think. */
  readonly warn?: string;
}

/** A variable name of another runner image that ci-runner reads. */
export interface Alias {
  readonly name: string;
  /** README: what it means here. */
  readonly doc: string;
  /** Masked in logs and kept out of hooks', the runner's and jobs' environments. */
  readonly secret?: boolean;
  /** Kept out of those environments, not masked (APP_ID). */
  readonly hidden?: boolean;
  /** `env` is the whole raw environment: some names mean something only beside others (RUNNER_SCOPE). */
  readonly map: (value: string, name: string, env: Env) => AliasEffect;
}

/** Two spellings of one value of `target` (`1` and `true` for a flag) are not a conflict. */
function sameValue(target: string, a: string, b: string): boolean {
  if (a.trim() === b.trim()) return true;
  const spec = (VARS as Record<string, VarSpec<unknown>>)[target];
  if (!spec || spec.secret) return false;
  try {
    return JSON.stringify(spec.rule(a.trim(), target, false)) === JSON.stringify(spec.rule(b.trim(), target, false));
  } catch {
    return false;
  }
}

/**
 * The environment with every alias turned into its ci-runner variable; for each variable only an alias set, its
 * name (error lines name what the user wrote); one warning per alias without (the expected) effect. Two names
 * that set one variable to different values are a ConfigError naming both.
 */
export function resolveAliases(env: Env): { env: Env; setAs: ReadonlyMap<string, string>; warnings: readonly string[] } {
  const out: Record<string, string | undefined> = { ...env };
  const setBy = new Map<string, string>();
  const warnings: string[] = [];
  for (const alias of ALIASES) {
    const value = env[alias.name];
    if (value === undefined || value.trim() === "") continue;
    const effect = alias.map(value, alias.name, env);
    if (effect.warn) warnings.push(effect.warn);
    for (const [target, mapped] of Object.entries(effect.set ?? {})) {
      const current = out[target];
      if (current !== undefined && current.trim() !== "" && !sameValue(target, current, mapped)) {
        const other = setBy.get(target) ?? target;
        const shown = (v: string) => (v.includes("://") ? shownUrl(v.trim()) : v.trim());
        const values = alias.secret || (VARS as Record<string, VarSpec<unknown>>)[target]?.secret ? "" : ` ("${shown(current)}" vs "${shown(mapped)}")`;
        throw new ConfigError(target, `${other} and ${alias.name} are both set and differ${values}: set only one`);
      }
      out[target] = mapped;
      if (!setBy.has(target)) setBy.set(target, alias.name);
    }
  }
  const setAs = new Map([...setBy].filter(([target]) => !env[target]?.trim()));
  return { env: out, setAs, warnings };
}

/** Names kept out of every child's environment: secret or hidden variables and aliases. */
export function namesKeptFromChildren(): Set<string> {
  return new Set([
    ...(Object.entries(VARS) as [VarName, VarSpec<unknown>][]).filter(([, spec]) => spec.secret || spec.hidden).map(([name]) => name),
    ...ALIASES.filter((a) => a.secret || a.hidden).map((a) => a.name),
  ]);
}
