import tar from "tar-stream";
import { JIT_CONFIG_PATH } from "../config/parse-volumes.ts";

/**
 * A tar archive holding only the JIT config at JIT_CONFIG_PATH (its
 * directories included), mode 0400, owned by root: what Docker's archive
 * API unpacks into a created container. The supervisor (root, PID 1) reads
 * it as its ACTIONS_RUNNER_INPUT_JITCONFIG secret file; `docker inspect`
 * shows nothing of it.
 */
export function jitArchive(jitConfig: string): Promise<Buffer> {
  const pack = tar.pack();
  const parts = JIT_CONFIG_PATH.split("/").filter(Boolean);
  const header = { uid: 0, gid: 0, mtime: new Date() };
  for (let i = 1; i < parts.length; i++) pack.entry({ ...header, name: `${parts.slice(0, i).join("/")}/`, type: "directory", mode: 0o755 });
  pack.entry({ ...header, name: parts.join("/"), mode: 0o400 }, jitConfig);
  pack.finalize();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    pack.on("data", (c: Buffer) => chunks.push(c));
    pack.on("end", () => resolve(Buffer.concat(chunks)));
    pack.on("error", reject);
  });
}
