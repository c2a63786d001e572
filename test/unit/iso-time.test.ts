import t from "tap";
import { isoTime } from "../../src/log/iso-time.ts";

t.test("isoTime writes what toISOString writes (the state file's startedAt, updatedAt, listeningSince)", async (t) => {
  const dates = ["2026-07-01T12:00:00.000Z", "2026-12-31T23:59:59.999Z", "2028-02-29T00:00:00.007Z", "1970-01-01T00:00:00.000Z", "2001-09-09T01:46:40.050Z"];
  for (const iso of dates) t.equal(isoTime(new Date(iso)), iso, iso);
  const now = new Date();
  t.equal(isoTime(now), now.toISOString(), "now");
  t.match(isoTime(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "now, by default");
});
