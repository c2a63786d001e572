import type { Server } from "node:https";
import { every } from "../lifecycle/every.ts";
import type { Logger } from "../log/logger.ts";
import { readTls, tlsFilesStamp, type TlsFiles } from "./tls-files.ts";

/** Two stats every few seconds: cheap, and it sees a renewal through symlinks, which inotify on the path would miss. */
const CHECK_EVERY_MS = 5_000;

/**
 * Serves a renewed certificate without a restart: when TLS_CERT_FILE or
 * TLS_KEY_FILE changes on disk, both are read and checked, and new
 * handshakes get them (setSecureContext); connections already open keep
 * theirs. A pair that does not work (the key not written yet) keeps the
 * previous certificate, with one line, until the files change again.
 * `served` is tlsFilesStamp() taken before the served pair was read: a
 * renewal after that read (during the start's GitHub checks) is then seen.
 * Returns the stop function.
 */
export function watchTls(server: Server, files: TlsFiles, log: Logger, served: string, intervalMs = CHECK_EVERY_MS): () => void {
  let refused: string | undefined;
  return every(
    intervalMs,
    () => {
      const now = tlsFilesStamp(files);
      if (now === served || now === refused) return;
      try {
        const tls = readTls(files);
        server.setSecureContext({ cert: tls.cert, key: tls.key });
        served = now;
        refused = undefined;
        log.info(`TLS certificate reloaded from ${files.certFile}: ${tls.summary}`);
      } catch (e) {
        refused = now;
        log.warn(`TLS files changed, and the previous certificate is still served: ${(e as Error).message}`);
      }
    },
    (e) => log.warn(`TLS reload: ${e.message}`),
  );
}
