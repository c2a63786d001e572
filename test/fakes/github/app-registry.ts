import { createPublicKey, type KeyObject } from "node:crypto";
import { scopeAccount } from "./scope.ts";
import type { Scope } from "./types.ts";

/** A GitHub App a test registered: its id, the public half of its key, where it is installed. */
export interface FakeApp {
  appId: number;
  publicKey: KeyObject;
  /** Accounts (owners, organizations, enterprises) it is installed on; undefined: everywhere. */
  accounts: string[] | undefined;
}

export interface Installation {
  id: number;
  appId: number;
  account: string;
  targetType: "User" | "Organization" | "Enterprise";
}

/** GitHub Apps and their installations, for `GET .../installation` and `POST /app/installations/{id}/access_tokens`. */
export class AppRegistry {
  private readonly apps = new Map<number, FakeApp>();
  private readonly installations = new Map<number, Installation>();
  private nextInstallationId = 1001;

  register(appId: number, publicKeyPem: string, accounts?: string[]): void {
    this.apps.set(appId, {
      appId,
      publicKey: createPublicKey(publicKeyPem),
      accounts: accounts?.map((a) => a.toLowerCase()),
    });
  }

  app(appId: number): FakeApp | undefined {
    return this.apps.get(appId);
  }

  /** The installation of `appId` on the account owning `scope`, created on first use; undefined when not installed there. */
  installationFor(appId: number, scope: Scope): Installation | undefined {
    const app = this.apps.get(appId);
    if (!app) return undefined;
    const account = scopeAccount(scope);
    if (app.accounts && !app.accounts.includes(account.toLowerCase())) return undefined;
    for (const inst of this.installations.values()) {
      if (inst.appId === appId && inst.account.toLowerCase() === account.toLowerCase()) return inst;
    }
    const targetType = scope.startsWith("enterprises/") ? "Enterprise" : scope.startsWith("orgs/") ? "Organization" : "User";
    const inst: Installation = { id: this.nextInstallationId++, appId, account, targetType };
    this.installations.set(inst.id, inst);
    return inst;
  }

  installation(id: number): Installation | undefined {
    return this.installations.get(id);
  }
}
