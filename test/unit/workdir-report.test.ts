import t from "tap";
import { mountOf, parseMountInfo } from "../../src/workdir/workdir-report-phase.ts";
import { workDirReport, type ReportSources } from "../../src/workdir/workdir-report-phase.ts";

const MOUNTINFO = [
  "22 27 0:21 / /proc rw,relatime - proc proc rw",
  "27 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "30 27 0:40 / /mnt rw,relatime - tmpfs tmpfs rw,size=1024k",
  "31 30 0:41 / /mnt rw,relatime - tmpfs tmpfs rw,size=2048k",
  "32 27 0:42 / /mnt\\040data rw - xfs /dev/vdb rw",
  "33 27 0:43 / /var/cache rw master:2 - overlay overlay rw",
  "",
].join("\n");

t.test("the mount of a path: longest containing mount point, the last of stacked ones", async (t) => {
  const entries = parseMountInfo(MOUNTINFO);
  t.equal(entries.length, 6);
  t.same(mountOf("/mnt", entries), { mountPoint: "/mnt", fsType: "tmpfs" });
  t.equal(entries.indexOf(mountOf("/mnt/a/b", entries)!), 3, "the mount on top");
  t.same(mountOf("/mnt data/x", entries), { mountPoint: "/mnt data", fsType: "xfs" }, "escaped space");
  t.same(mountOf("/mntx", entries), { mountPoint: "/", fsType: "ext4" }, "a prefix of a name is not a parent");
  t.same(mountOf("/var/cache/ci-storage", entries), { mountPoint: "/var/cache", fsType: "overlay" });
});

function sources(fsType: string, calls: string[]): ReportSources {
  return {
    mountOf: () => ({ mountPoint: "/mnt", fsType }),
    statfs: async () => ({ bsize: 4096, blocks: 1_000_000, bfree: 750_000, bavail: 700_000 }),
    du: async (dir, timeoutMs) => {
      calls.push(`${dir} ${timeoutMs}`);
      return { bytes: 123_000_000 };
    },
    loadavg: () => [0.5, 1.25, 2],
  };
}

t.test("tmpfs: space and load, no du", async (t) => {
  const calls: string[] = [];
  const line = await workDirReport("/mnt", 30_000, undefined, sources("tmpfs", calls));
  t.equal(line, "work dir /mnt: tmpfs, 1.02 GB used of 4.10 GB (27%), load average 0.50 1.25 2.00");
  t.same(calls, []);
});

t.test("another filesystem: du of the work dir, bounded", async (t) => {
  const calls: string[] = [];
  const line = await workDirReport("/mnt", 5000, undefined, sources("ext4", calls));
  t.equal(line, "work dir /mnt: ext4, 1.02 GB used of 4.10 GB (27%), work dir holds 123 MB, load average 0.50 1.25 2.00");
  t.same(calls, ["/mnt 5000"]);
});

t.test("failures are told in the line", async (t) => {
  const s: ReportSources = {
    ...sources("ext4", []),
    mountOf: () => undefined,
    statfs: async () => {
      throw Object.assign(new Error("gone"), { code: "ENOENT" });
    },
    du: async () => ({ failure: "du took over 30 s" }),
  };
  t.equal(
    await workDirReport("/mnt", 30_000, undefined, s),
    "work dir /mnt: unknown filesystem, space unknown (ENOENT), work dir size unknown (du took over 30 s), load average 0.50 1.25 2.00",
  );
});
