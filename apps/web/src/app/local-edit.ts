import { LocalValidationError } from "@fieldsync/sync-client";
import { syncSoon } from "./runtime.ts";

/**
 * Runs a local edit (optimistic: visible at once), then tries to sync. Returns field errors when
 * the entity schema refuses the edit, null on success.
 */
export async function localEdit(edit: () => Promise<unknown>): Promise<Record<string, string> | null> {
  try {
    await edit();
  } catch (error) {
    if (!(error instanceof LocalValidationError)) throw error;
    return Object.fromEntries(error.issues.map((issue) => [issue.path.split(".")[0] || "form", issue.message]));
  }
  void syncSoon();
  return null;
}
