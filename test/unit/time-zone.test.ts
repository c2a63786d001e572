import t from "tap";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../src/config/config-error.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { timeZone } from "../../src/config/time-zone.ts";

const user = () => ({ name: "guest", uid: 1001, gid: 1001, home: "/home/guest", shell: "/bin/bash" });
const base = { GH_TOKEN: "ghp_abcdefghijkl", GH_REPOSITORY: "o/r", GH_LABELS: "a,b", CI_RUNNER_SECRETS_DIR: "/nonexistent" };

t.test("a tzdata zone is accepted as given", async (t) => {
  t.equal(loadConfig({ ...base, TZ: "Asia/Tokyo" }, user).TZ, "Asia/Tokyo");
  t.equal(loadConfig({ ...base, TZ: "UTC" }, user).TZ, "UTC");
  t.equal(loadConfig(base, user).TZ, undefined, "unset stays unset");
});

t.test("an unknown zone is one ConfigError naming TZ and the missing file", async (t) => {
  t.throws(() => loadConfig({ ...base, TZ: "Mars/Olympus_Mons" }, user), {
    name: "ConfigError",
    message: /^TZ: unknown time zone "Mars\/Olympus_Mons" \(no \/usr\/share\/zoneinfo\/Mars\/Olympus_Mons;/,
  });
});

t.test("the zone must be a file in the zoneinfo dir and known to ICU", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "zoneinfo-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "Europe"));
  writeFileSync(join(dir, "Europe", "Berlin"), "TZif");
  writeFileSync(join(dir, "Mars"), "TZif");
  const rule = timeZone(dir);
  t.equal(rule("Europe/Berlin", "TZ", false), "Europe/Berlin");
  t.throws(() => rule("Asia/Tokyo", "TZ", false), ConfigError, "ICU knows it, the zoneinfo dir does not");
  t.throws(() => rule("Europe", "TZ", false), ConfigError, "a directory is not a zone");
  t.throws(() => rule("Mars", "TZ", false), ConfigError, "a file ICU does not know");
  t.throws(() => rule("../etc/passwd", "TZ", false), /TZ: expected a time zone name/, "no path tricks");
});

t.test("log timestamps follow TZ, also when it changes while running", async (t) => {
  const { timestamp } = await import("../../src/log/logger.ts");
  const before = process.env.TZ;
  t.teardown(() => (before === undefined ? delete process.env.TZ : (process.env.TZ = before)));
  const summer = new Date("2026-07-01T12:00:00Z");
  process.env.TZ = "Europe/Berlin";
  t.equal(timestamp(summer), "2026-07-01 14:00:00 GMT+2");
  process.env.TZ = "America/New_York";
  t.equal(timestamp(summer), "2026-07-01 08:00:00 EDT");
  process.env.TZ = "UTC";
  t.equal(timestamp(summer), "2026-07-01 12:00:00 UTC");
});

t.test("zones that are UTC all year are named without ICU, as ICU names them; others still by ICU", async (t) => {
  const { timestamp } = await import("../../src/log/logger.ts");
  const before = process.env.TZ;
  t.teardown(() => (before === undefined ? delete process.env.TZ : (process.env.TZ = before)));
  const winter = new Date("2026-01-15T12:00:00Z");
  const icuName = (zone: string) =>
    new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "short" }).formatToParts(winter).find((p) => p.type === "timeZoneName")?.value;
  for (const zone of ["UTC", "Etc/UTC", "Etc/Universal", "Zulu"]) {
    process.env.TZ = zone;
    t.equal(timestamp(winter), `2026-01-15 12:00:00 ${icuName(zone)}`, zone);
  }
  // Offset 0 in winter but not UTC: ICU's name, not "UTC".
  process.env.TZ = "Europe/London";
  t.equal(timestamp(winter), "2026-01-15 12:00:00 GMT");
  process.env.TZ = ":Etc/UTC";
  t.equal(timestamp(winter), "2026-01-15 12:00:00 UTC", "glibc's leading colon");
});
