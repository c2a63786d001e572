import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import t from "tap";
import { failureCause } from "../../src/warmstart/failure-cause.ts";
import { formatCount, formatSize } from "../../src/warmstart/format-size.ts";
import { RsyncOutput } from "../../src/warmstart/rsync-output.ts";
import { RsyncOutputFile } from "../../src/warmstart/rsync-output-file.ts";
import { shellJoin } from "../../src/warmstart/shell-quote.ts";

const PROGRESS =
  "\r         20,000   0%    0.00kB/s    0:00:00  \r         20,000   0%    0.00kB/s    0:00:00 (xfr#1, to-chk=299/301)" +
  "\r      5,980,000  99%   95.37MB/s    0:00:00 (xfr#299, ir-chk=1000/1301)\r      6,000,000 100%   95.40MB/s    0:00:00 (xfr#300, to-chk=0/301)\n";
const STATS = `
Number of files: 301 (reg: 300, dir: 1)
Number of created files: 301 (reg: 300, dir: 1)
Number of deleted files: 0
Number of regular files transferred: 300
Total file size: 6,000,000 bytes
Total transferred file size: 5,500,000 bytes
Literal data: 6,000,000 bytes

sent 6,017,997 bytes  received 5,726 bytes  4,015,815.33 bytes/sec
total size is 6,000,000  speedup is 1.00
`;

t.test("rsync progress2 and --stats, in chunks cut anywhere", async (t) => {
  for (const size of [1, 7, 64, 100000]) {
    const out = new RsyncOutput();
    const seen: number[] = [];
    const text = PROGRESS + STATS;
    for (let i = 0; i < text.length; i += size) {
      out.feed(text.slice(i, i + size));
      seen.push(out.latest.files);
    }
    t.same(out.latest, { bytes: 6_000_000, files: 300 }, `chunks of ${size}: last progress`);
    t.ok(seen.includes(299) || size > PROGRESS.length, `chunks of ${size}: intermediate progress seen`);
    t.same(out.stats(), { files: 301, regularFiles: 300, regularFilesTransferred: 300, totalSize: 6_000_000, transferredSize: 5_500_000 });
  }
});

t.test("rsync's stdout file: read in pieces as written, no name left in the tmp dir", async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/rsync-out-`);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = new RsyncOutputFile(dir);
  t.same(readdirSync(dir), [], "unlinked at once");
  const out = new RsyncOutput();
  const text = PROGRESS + STATS;
  const half = PROGRESS.length - 30;
  writeSync(file.fd, text.slice(0, half));
  out.feed(file.readNew());
  t.same(out.latest, { bytes: 5_980_000, files: 299 }, "progress so far");
  t.equal(file.readNew(), "", "nothing new");
  writeSync(file.fd, text.slice(half));
  out.feed(file.readNew());
  file.close();
  t.same(out.latest, { bytes: 6_000_000, files: 300 });
  t.same(out.stats(), { files: 301, regularFiles: 300, regularFilesTransferred: 300, totalSize: 6_000_000, transferredSize: 5_500_000 });
});

t.test("failure causes name what to fix", async (t) => {
  const cases: [string, number, RegExp][] = [
    ["git@h: Permission denied (publickey).\r\n", 255, /refused the key/],
    ["Connection timed out during banner exchange\nConnection to 127.0.0.1 port 1 timed out\n", 255, /does not answer/],
    ["ssh: connect to host 127.0.0.1 port 9: Connection refused\n", 255, /connection refused/],
    ["ssh: Could not resolve hostname nohost: Name or service not known\n", 255, /cannot resolve/],
    ["bash: line 1: rsync: command not found\nrsync: connection unexpectedly closed (0 bytes received so far) [Receiver]\n", 12, /rsync is missing on the storage host/],
    ['Load key "/home/u/.ssh/id_rsa": invalid format\n', 255, /cannot be read/],
    ["weird one\nlast words\n", 3, /^last words \(exit code 3\)$/],
    ["", 9, /^exit code 9$/],
  ];
  for (const [stderr, code, want] of cases) t.match(failureCause(stderr, code), want, JSON.stringify(stderr));
});

t.test("sizes and counts", async (t) => {
  t.equal(formatSize(512), "512 B");
  t.equal(formatSize(6_000_000), "6.00 MB");
  t.equal(formatSize(1_073_741_824), "1.07 GB");
  t.equal(formatSize(123_400_000), "123 MB");
  t.equal(formatCount(20001), "20,001");
});

t.test("shellJoin round-trips through sh", async (t) => {
  const words = ["plain", "", "with space", "it's", "$HOME", "a\nb", "*", "--opt=x y", 'q"uote'];
  const out = execFileSync("sh", ["-c", `printf '%s\\0' ${shellJoin(words)}`]).toString();
  t.same(out.split("\0").slice(0, -1), words);
});
