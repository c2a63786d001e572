import t from "tap";
import { metaAfterLoad, parseSlotMeta, serializeSlotMeta } from "../../src/warmstart/slot-meta.ts";
import { checkoutDir, localMetaPath, storageDirFor } from "../../src/warmstart/storage-layout.ts";

t.test("paths where the ci-storage action looks", async (t) => {
  t.equal(checkoutDir("/mnt", "acme/web"), "/mnt/web/web");
  t.equal(checkoutDir("/mnt/", "acme/web.site"), "/mnt/web.site/web.site");
  t.equal(storageDirFor("/mnt", "acme/web", "/mnt/web/web"), "/mnt/acme/web/_mnt_web_web");
  t.equal(storageDirFor("/srv/ci/", "acme/web", "/data/w/web/web"), "/srv/ci/acme/web/_data_w_web_web");
  t.equal(localMetaPath("/mnt/web.site/web.site"), "/tmp/.ci-storage.meta._mnt_web_site_web_site");
  t.equal(localMetaPath("/mnt/a b/x/", "/var/tmp"), "/var/tmp/.ci-storage.meta._mnt_a_b_x");
});

t.test("meta: parse, serialize, the loaded slot first", async (t) => {
  const m = parseSlotMeta("junk\nfull_snapshot_history= b c  b \nhints=h1 h2\nother=x\n");
  t.same(m, { fullSnapshotHistory: ["b", "c"], hints: ["h1", "h2"] });
  t.equal(serializeSlotMeta(metaAfterLoad("a", m)), "full_snapshot_history=a b c\nhints=h1 h2\n");
  t.equal(serializeSlotMeta(metaAfterLoad("b", m)), "full_snapshot_history=b c\nhints=h1 h2\n", "no duplicate ids");
  t.equal(serializeSlotMeta(parseSlotMeta("")), "full_snapshot_history=\nhints=\n");
  const long = { fullSnapshotHistory: Array.from({ length: 12 }, (_, i) => `s${i}`), hints: [] };
  t.equal(serializeSlotMeta(metaAfterLoad("new", long)), `full_snapshot_history=new ${long.fullSnapshotHistory.slice(0, 9).join(" ")}\nhints=\n`, "capped at 10");
});
