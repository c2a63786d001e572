import type { Exchange } from "./exchange.ts";

/**
 * GitHub's pagination of a list: `per_page` (default 30, at most 100) and
 * `page` from the query, and the `Link` header (next/last, then prev/first)
 * when there is more than one page.
 */
export function paginate<T>(ex: Exchange, all: readonly T[]): { slice: T[]; headers: Record<string, string> } {
  const perPage = clamp(Number(ex.query.get("per_page") ?? 30), 1, 100);
  const page = Math.max(1, Math.floor(Number(ex.query.get("page") ?? 1)) || 1);
  const slice = all.slice((page - 1) * perPage, page * perPage);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const headers: Record<string, string> = {};
  if (lastPage > 1) headers.link = linkHeader(ex, perPage, page, lastPage);
  return { slice, headers };
}

function linkHeader(ex: Exchange, perPage: number, page: number, lastPage: number): string {
  const base = ex.origin + (ex.viaApiV3 ? "/api/v3" : "") + ex.path;
  const at = (p: number): string => {
    const q = new URLSearchParams(ex.query);
    q.set("per_page", String(perPage));
    q.set("page", String(p));
    return `<${base}?${q.toString()}>`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`${at(page - 1)}; rel="prev"`);
  if (page < lastPage) rels.push(`${at(page + 1)}; rel="next"`, `${at(lastPage)}; rel="last"`);
  if (page > 1) rels.push(`${at(1)}; rel="first"`);
  return rels.join(", ");
}

function clamp(n: number, lo: number, hi: number): number {
  if (!Number.isFinite(n)) return lo;
  return Math.min(hi, Math.max(lo, Math.floor(n)));
}
