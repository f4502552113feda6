import type { SyncMark } from "../app/outbox-status.ts";

const text: Record<SyncMark, string> = { pending: "pending sync", conflict: "conflict", failed: "sync failed" };

/** Says plainly when the server does not have what the technician sees. */
export function SyncBadge({ mark }: { mark: SyncMark | undefined }) {
  if (!mark) return null;
  return (
    <span className={`badge badge-${mark}`} data-testid="sync-badge">
      {text[mark]}
    </span>
  );
}
