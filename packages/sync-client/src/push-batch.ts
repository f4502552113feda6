import { type SyncChangeInput, errorCodes, syncChangeSchema } from "@fieldsync/schema";
import { checksum } from "@fieldsync/sync-core";
import { ApiError } from "./api-client.ts";
import type { OutboxEntry } from "./local-db.ts";

/** Why a change was marked failed on this device; shown in the sync panel. */
export interface FailedChange {
  entry: OutboxEntry;
  error: { code: string; message: string };
}

async function toSyncChange(entry: OutboxEntry): Promise<SyncChangeInput> {
  return {
    changeId: entry.changeId,
    entityType: entry.entityType,
    entityId: entry.entityId,
    operation: entry.operation,
    payload: entry.payload,
    clientVersion: entry.baseVersion,
    timestamp: entry.timestamp,
    // A DELETE has no data whose integrity could be checked.
    ...(entry.operation === "DELETE" ? {} : { checksum: await checksum(entry.payload) }),
  };
}

const describeIssues = (issues: readonly { path: string; message: string }[]) =>
  issues.map((issue) => `${issue.path || "change"}: ${issue.message}`).join("; ");

/**
 * The claimed entries as push changes, checked with the same schema the server applies: a change
 * it would refuse (e.g. left by an older app version) is never sent, it fails here with its paths.
 */
export async function checkedChanges(claimed: readonly OutboxEntry[]) {
  const sendable: { entry: OutboxEntry; change: SyncChangeInput }[] = [];
  const failed: FailedChange[] = [];
  for (const entry of claimed) {
    const change = await toSyncChange(entry);
    const parsed = syncChangeSchema.safeParse(change);
    if (parsed.success) sendable.push({ entry, change });
    else {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
      failed.push({ entry, error: { code: errorCodes.VALIDATION_FAILED, message: describeIssues(issues) } });
    }
  }
  return { sendable, failed };
}

/** Entries a VALIDATION_FAILED push names (issue paths like `changes.3.payload.name`). */
export function entriesNamedBy(batch: readonly OutboxEntry[], error: ApiError): FailedChange[] {
  if (error.code !== errorCodes.VALIDATION_FAILED) return [];
  const byIndex = new Map<number, { path: string; message: string }[]>();
  for (const issue of error.issues) {
    const match = /^changes\.(\d+)(?:\.(.*))?$/.exec(issue.path);
    if (!match) continue;
    const index = Number(match[1]);
    byIndex.set(index, [...(byIndex.get(index) ?? []), { path: match[2] ?? "", message: issue.message }]);
  }
  return [...byIndex].flatMap(([index, issues]) => {
    const entry = batch[index];
    return entry ? [{ entry, error: { code: errorCodes.VALIDATION_FAILED, message: describeIssues(issues) } }] : [];
  });
}

/**
 * A push refused for its content without naming a change (413 PAYLOAD_TOO_LARGE, MALFORMED_JSON,
 * a validation the client does not know): the same batch would be refused forever, so it is split
 * until the offending change is alone. Refusals of the request itself (a stale sync token, issues
 * outside `changes`) and auth, rate-limit and server errors are not about any one change.
 */
export function isUnpinnedRefusal(error: unknown): error is ApiError {
  return (
    error instanceof ApiError &&
    (error.status === 400 || error.status === 413) &&
    error.code !== errorCodes.INVALID_TOKEN &&
    error.issues.length === 0
  );
}
