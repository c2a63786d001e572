import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, rmSync } from "node:fs";
import type { UserInfo } from "../../src/config/lookup-user.ts";

/**
 * The destination of every timed load, in the same state each time: a new
 * filesystem mounted at `mountPoint` (an ext4 with a journal on a loop
 * device, as a runner's volume is; tmpfs where loop devices are refused)
 * holding only the empty checkout dir, with nothing left to write back.
 *
 * Why not empty the dir between loads: on an ext4 without a journal (this
 * machine's /tmp) the inode allocator skips inodes freed in the last minutes
 * (recently_deleted), and re-creating 20,000 files right after deleting
 * 20,000 spent 14 s of kernel time instead of 2.4 s, more or less depending on
 * what was deleted when: the round after a reset paid for it, whichever tool ran
 * there. That, not the tools, was most of the swing between runs.
 */
export class FreshDest {
  #kind: "ext4" | "tmpfs" | undefined;
  readonly #image: string;

  constructor(
    readonly mountPoint: string,
    readonly checkoutName: string,
    private readonly user: UserInfo,
    private readonly sizeGb: number,
  ) {
    this.#image = `${mountPoint}.ext4`;
  }

  /** Which filesystem the loads land on. */
  get kind(): string {
    return this.#kind ?? "none yet";
  }

  /** Unmounts the last one, mounts a new one, creates the checkout dir (owned by the user), syncs. Returns its path. */
  reset(): string {
    this.unmount();
    mkdirSync(this.mountPoint, { recursive: true });
    if (this.#kind !== "tmpfs") {
      try {
        rmSync(this.#image, { force: true });
        execFileSync("truncate", ["-s", `${this.sizeGb}G`, this.#image]);
        // Inode tables and journal written now, so no lazy-init thread writes during the load.
        execFileSync("mkfs.ext4", ["-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0,nodiscard", this.#image], { stdio: "pipe" });
        execFileSync("mount", ["-o", "loop", this.#image, this.mountPoint], { stdio: "pipe" });
        this.#kind = "ext4";
      } catch {
        rmSync(this.#image, { force: true });
        this.#kind = "tmpfs";
      }
    }
    if (this.#kind === "tmpfs") execFileSync("mount", ["-t", "tmpfs", "-o", `size=${this.sizeGb}g`, "tmpfs", this.mountPoint]);
    const dir = `${this.mountPoint}/${this.checkoutName}`;
    mkdirSync(dir);
    chownSync(this.mountPoint, this.user.uid, this.user.gid);
    chownSync(dir, this.user.uid, this.user.gid);
    execFileSync("sync");
    return dir;
  }

  unmount(): void {
    if (existsSync(this.mountPoint) && isMountPoint(this.mountPoint)) execFileSync("umount", [this.mountPoint]);
    rmSync(this.#image, { force: true });
  }
}

function isMountPoint(path: string): boolean {
  try {
    execFileSync("mountpoint", ["-q", path]);
    return true;
  } catch {
    return false;
  }
}

/** Reads every file of `dir` once, so that each load starts with the slot in the page cache. */
export function prewarm(dir: string): void {
  execFileSync("sh", ["-c", 'find "$1" -type f -exec cat {} + > /dev/null', "sh", dir]);
}
