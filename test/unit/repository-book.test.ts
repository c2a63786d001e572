import t from "tap";
import { ACTIVE_MS, DORMANT_PER_PASS, RepositoryBook } from "../../src/controller/repository-book.ts";

const HOUR = 3600_000;
const none = new Set<string>();

t.test("active repositories at every reconciliation, quiet ones in turn, every one within its share of passes", async (t) => {
  const book = new RepositoryBook();
  const now = 100 * ACTIVE_MS;
  book.note("o/active", now - HOUR);
  const quiet = ["o/q1", "o/q2", "o/q3", "o/q4", "o/q5"];
  for (const q of quiet) book.note(q, now - ACTIVE_MS - HOUR);
  const seen = new Map<string, number>();
  const passes = Math.ceil(quiet.length / DORMANT_PER_PASS);
  for (let i = 0; i < passes; i++) {
    const due = book.due(now, none);
    t.ok(due.includes("o/active"), `pass ${i}: the active one`);
    t.equal(due.length, 1 + DORMANT_PER_PASS, `pass ${i}: and ${DORMANT_PER_PASS} quiet ones`);
    for (const r of due) seen.set(r, (seen.get(r) ?? 0) + 1);
  }
  for (const q of quiet) t.ok((seen.get(q) ?? 0) >= 1, `${q} listed within ${passes} passes`);
});

t.test("a quiet repository with a job still pending, or a new delivery, is listed at every reconciliation", async (t) => {
  const book = new RepositoryBook();
  const now = 100 * ACTIVE_MS;
  for (let i = 0; i < 10; i++) book.note(`o/q${i}`, now - 2 * ACTIVE_MS);
  for (let pass = 0; pass < 3; pass++) t.ok(book.due(now, new Set(["o/q7"])).includes("o/q7"), `pass ${pass}: the one with a pending job (names compared in lower case)`);
  t.ok(new RepositoryBook().due(now, none).length === 0, "an empty book lists nothing");
  book.note("o/q3", now);
  for (let pass = 0; pass < 3; pass++) t.ok(book.due(now, none).includes("o/q3"), `pass ${pass}: the one a delivery just came from`);
  book.note("o/q3", now - 3 * ACTIVE_MS);
  t.ok(book.due(now + ACTIVE_MS - 1, none).includes("o/q3"), "an older note does not make it quiet again");
});

t.test("as few quiet repositories as a pass takes: all of them at every reconciliation (a repository scope's own one too)", async (t) => {
  const book = new RepositoryBook();
  const now = 100 * ACTIVE_MS;
  for (let i = 0; i < DORMANT_PER_PASS; i++) book.note(`o/q${i}`, 0);
  for (let pass = 0; pass < 3; pass++) t.equal(book.due(now, none).length, DORMANT_PER_PASS, `pass ${pass}`);
});

t.test("saved and restored; a state file of an earlier version (names only) makes them all active", async (t) => {
  const now = 100 * ACTIVE_MS;
  const book = new RepositoryBook();
  book.note("o/a", now);
  book.note("o/b", now - 2 * ACTIVE_MS);
  const saved = JSON.parse(JSON.stringify(book.toJSON()));
  t.same(saved, { repositories: ["o/a", "o/b"], repositoryActivity: { "o/a": now, "o/b": now - 2 * ACTIVE_MS } });
  const back = RepositoryBook.from(saved, now);
  t.equal(back.size, 2);
  const old = RepositoryBook.from({ repositories: ["o/a", "o/b", "o/c", "o/d"] }, now);
  t.same(old.due(now, none).sort(), ["o/a", "o/b", "o/c", "o/d"], "no activity saved: listed as before, for ACTIVE_MS");
});
