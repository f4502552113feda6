/** "3 min ago"-style times; technicians care about recency, not timestamps. */
export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 10) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

export const formatDate = (iso: unknown) => (typeof iso === "string" && iso ? new Date(iso).toLocaleDateString() : "—");

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return "unknown";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** A span of time for people: "45 s", "12 min", "3 h", "2 d" (rounded down). */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}

/** A share (0..1) as a percentage; one decimal below 10 %. */
export const formatPercent = (share: number) => `${(share * 100).toFixed(share < 0.1 && share > 0 ? 1 : 0)} %`;

/** Server time of a request: "8.5 ms", "240 ms", "1.2 s". */
export const formatMs = (ms: number) => (ms < 10 ? `${+ms.toFixed(1)} ms` : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** A count, also as an axis tick between whole numbers ("0.5"). */
export const formatCount = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** "1 conflict", "3 conflicts". */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
