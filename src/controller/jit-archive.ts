import tar from "tar-stream";
import { JIT_CONFIG_PATH } from "../config/parse-volumes.ts";

/**
 * A tar archive holding the JIT config at JIT_CONFIG_PATH and `secretFiles`
 * (their directories included), mode 0400, owned by root: what Docker's archive
 * API unpacks into a created container. The supervisor (root, PID 1) reads
 * it as its ACTIONS_RUNNER_INPUT_JITCONFIG secret file; `docker inspect`
 * shows nothing of it.
 */
export function jitArchive(jitConfig: string, secretFiles: Readonly<Record<string, string>> = {}): Promise<Buffer> {
  const pack = tar.pack();
  const header = { uid: 0, gid: 0, mtime: new Date() };
  const dirs = new Set<string>();
  for (const [path, content] of [[JIT_CONFIG_PATH, jitConfig], ...Object.entries(secretFiles)] as const) {
    const parts = path.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `${parts.slice(0, i).join("/")}/`;
      if (!dirs.has(dir)) pack.entry({ ...header, name: dir, type: "directory", mode: 0o755 });
      dirs.add(dir);
    }
    pack.entry({ ...header, name: parts.join("/"), mode: 0o400 }, content);
  }
  pack.finalize();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    pack.on("data", (c: Buffer) => chunks.push(c));
    pack.on("end", () => resolve(Buffer.concat(chunks)));
    pack.on("error", reject);
  });
}
