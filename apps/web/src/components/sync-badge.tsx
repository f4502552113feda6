import type { SyncMark } from "../app/outbox-status.ts";
import { href } from "../app/use-route.ts";

const text: Record<SyncMark, string> = { pending: "pending sync", conflict: "conflict", failed: "sync failed" };

/**
 * Says plainly when the server does not have what the technician sees. A conflict badge given its
 * conflict's id links to it; never put one inside another link (list rows place it beside theirs).
 */
export function SyncBadge({ mark, conflictId }: { mark: SyncMark | undefined; conflictId?: string | undefined }) {
  if (!mark) return null;
  if (mark === "conflict" && conflictId) {
    return (
      <a className={`badge badge-${mark}`} data-testid="sync-badge" href={href({ name: "conflicts", id: conflictId })} title="Review this conflict">
        {text[mark]}
      </a>
    );
  }
  return (
    <span className={`badge badge-${mark}`} data-testid="sync-badge">
      {text[mark]}
    </span>
  );
}
