import t from "tap";
import { addSecret, maskedCount, redact } from "../../src/log/redact.ts";

t.test("permanent and rotating secrets are masked; rotating ones stay bounded over a long uptime", async (t) => {
  addSecret("ghp_permanentTOKEN123");
  const before = maskedCount();
  // A year of hourly role credentials.
  for (let i = 0; i < 9000; i++) addSecret(`ASIAROTATINGSECRET-${i}`, "rotating");
  t.ok(maskedCount() - before <= 64, `at most 64 rotating secrets kept (${maskedCount() - before})`);
  t.equal(redact("token ghp_permanentTOKEN123 here"), "token *** here", "the permanent secret is still masked");
  t.equal(redact("key ASIAROTATINGSECRET-8999."), "key ***.", "the newest rotating one is masked");
  addSecret("ASIAROTATINGSECRET-9000", "rotating");
  t.equal(redact("ASIAROTATINGSECRET-9000"), "***");
});

t.test("short values are not secrets; PEM lines are masked one by one", async (t) => {
  addSecret("abc");
  t.equal(redact("abc"), "abc");
  addSecret("-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----\n");
  t.equal(redact("leaked: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), "leaked: ***");
});
