import t from "tap";
import { credentialUrls } from "../../src/git/git-credentials-phase.ts";

t.test("github.com alone, or github.com and the GHES origin", async (t) => {
  t.same(credentialUrls("https://github.com"), ["https://github.com"]);
  t.same(credentialUrls("https://ghe.example.com/some/path"), ["https://github.com", "https://ghe.example.com"]);
  t.same(credentialUrls("https://ghe.example.com:8443"), ["https://github.com", "https://ghe.example.com:8443"]);
  t.same(credentialUrls("http://127.0.0.1:3000"), ["https://github.com", "http://127.0.0.1:3000"]);
});
