import type { PortStatus } from "./port-status.ts";

function serverCell(s: PortStatus["servers"][number], port: number, showState: boolean, pending: boolean): string {
  const addr = s.address !== undefined && s.address !== s.host ? ` [${s.address}]` : "";
  const state = !showState ? "" : pending ? " (no answer yet)" : s.up ? " up" : ` DOWN (${s.reason ?? "unknown"})`;
  return `${s.host}:${port}${addr}${state}`;
}

/**
 * The boot table: one row per port with its servers in the order new
 * connections try them, e.g.
 * `  5432/tcp   127.0.0.1:5432 -> db1:5432 [10.0.0.5] up, db2:5432 up`.
 * `labels` are the FORWARD_PORTS items ("10022/tcp-backup"); `pending` names
 * the hosts whose first check has not answered yet.
 */
export function formatForwardTable(
  bindAddress: string,
  rows: readonly { label: string; status: PortStatus; pending?: ReadonlySet<string> }[],
): string {
  const width = Math.max(...rows.map((r) => r.label.length));
  const lines = rows.map(({ label, status, pending }) => {
    const listen = status.listening ? `${bindAddress}:${status.port} ->` : `NOT LISTENING (${status.error ?? "unknown"}), would go to`;
    // UDP has one server and no checks: its state is only whether the name resolved.
    const servers = status.servers
      .map((s) => serverCell(s, status.port, status.proto === "tcp" || !s.up, pending?.has(s.host) ?? false))
      .join(", ");
    return `  ${label.padEnd(width)}  ${listen} ${servers}`;
  });
  const n = rows.length;
  return `forwarding ${n} port${n === 1 ? "" : "s"} (TCP: the first server up takes new connections, the rest are backups):\n${lines.join("\n")}`;
}
