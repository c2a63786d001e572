import t from "tap";
import { signAwsV4 } from "../../src/cloud/sign-aws-v4.ts";

// AWS's SigV4 test suite: get-vanilla and get-vanilla-query-order-key-case.
const base = {
  method: "GET",
  headers: {},
  body: "",
  region: "us-east-1",
  service: "service",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  amzDate: "20150830T123600Z",
};

t.test("get-vanilla", async (t) => {
  const h = signAwsV4({ ...base, url: new URL("https://example.amazonaws.com/") });
  t.equal(
    h.authorization,
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  );
});

t.test("get-vanilla-query-order-key-case", async (t) => {
  const h = signAwsV4({ ...base, url: new URL("https://example.amazonaws.com/?Param2=value2&Param1=value1") });
  t.match(h.authorization, /Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500$/);
});

t.test("a session token is sent and signed", async (t) => {
  const h = signAwsV4({ ...base, url: new URL("https://example.amazonaws.com/"), credentials: { ...base.credentials, sessionToken: "tok" } });
  t.equal(h["x-amz-security-token"], "tok");
  t.match(h.authorization, /SignedHeaders=host;x-amz-date;x-amz-security-token,/);
});
