import t from "tap";
import { createLogger, setLogSink } from "../../src/log/logger.ts";
import { SecretMask } from "../../src/log/logger.ts";

t.test("permanent and rotating secrets are masked; rotating ones stay bounded over a long uptime", async (t) => {
  const mask = new SecretMask();
  mask.add("ghp_permanentTOKEN123");
  // A year of hourly role credentials.
  for (let i = 0; i < 9000; i++) mask.add(`ASIAROTATINGSECRET-${i}`, "rotating");
  t.equal(mask.size, 1 + 64, "the permanent one and the newest 64 rotating ones");
  t.equal(mask.redact("token ghp_permanentTOKEN123 here"), "token *** here", "the permanent secret is still masked");
  t.equal(mask.redact("key ASIAROTATINGSECRET-8999."), "key ***.", "the newest rotating one is masked");
  t.equal(mask.redact("key ASIAROTATINGSECRET-0."), "key ASIAROTATINGSECRET-0.", "the oldest rotating one has expired long ago");
  mask.add("ASIAROTATINGSECRET-9000", "rotating");
  t.equal(mask.redact("ASIAROTATINGSECRET-9000"), "***");
});

t.test("short values are not secrets; PEM lines are masked one by one", async (t) => {
  const mask = new SecretMask();
  mask.add("abc");
  t.equal(mask.redact("abc"), "abc");
  mask.add("-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----\n");
  t.equal(mask.redact("leaked: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), "leaked: ***");
});

t.test("a logger's children share its mask; another logger's secrets are its own", async (t) => {
  const lines: string[] = [];
  t.teardown(setLogSink((l) => lines.push(l)));
  const log = createLogger("ci-runner");
  const child = log.child("runner");
  child.mask("tok_registration_123456", "rotating");
  log.info("parent sees tok_registration_123456");
  child.relay("child sees tok_registration_123456");
  createLogger("other").info("other sees tok_registration_123456");
  t.match(lines[0], /parent sees \*\*\*$/);
  t.match(lines[1], /child sees \*\*\*$/);
  t.match(lines[2], /other sees tok_registration_123456$/);
});
