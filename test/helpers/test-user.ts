import { execFileSync } from "node:child_process";
import { lookupUser, type UserInfo } from "../../src/config/lookup-user.ts";

/** The unprivileged user integration tests run the runner and guest hooks as. */
export const TEST_USER = "ci-runner-test";

/**
 * Returns the test's runner user, creating it (with a home directory) when
 * missing. Integration tests run as root (CI does), as the supervisor does.
 */
export function ensureTestUser(): UserInfo {
  let user = lookupUser(TEST_USER);
  if (!user) {
    try {
      execFileSync("useradd", ["--create-home", "--shell", "/bin/bash", TEST_USER], { stdio: "pipe" });
    } catch (e) {
      // A parallel test file may have created it meanwhile.
      if (!lookupUser(TEST_USER)) throw e;
    }
    user = lookupUser(TEST_USER);
  }
  if (!user) throw new Error(`cannot create test user ${TEST_USER}`);
  return user;
}
