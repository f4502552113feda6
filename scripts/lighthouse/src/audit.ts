// One Lighthouse run (mobile: its default form factor, screen emulation and simulated
// throttling) reduced to what the report keeps: the three category scores, the key metrics and
// every audit of those categories that did not pass.
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import lighthouse from "lighthouse";

export const categories = ["performance", "accessibility", "best-practices"] as const;
type Category = (typeof categories)[number];

const metricAudits = { fcpMs: "first-contentful-paint", lcpMs: "largest-contentful-paint", tbtMs: "total-blocking-time", cls: "cumulative-layout-shift" } as const;

export interface FailedAudit {
  category: Category;
  id: string;
  title: string;
  score: number;
  displayValue?: string;
}

export interface PageRun {
  scores: Record<Category, number>;
  metrics: Record<keyof typeof metricAudits, number>;
  failed: FailedAudit[];
  /** os.loadavg() (1, 5, 15 min) just before and just after this run. */
  load: { before: number[]; after: number[] };
  /** Lighthouse's own measure of this machine's speed during the run (higher is faster). */
  benchmarkIndex: number;
}

type Lhr = NonNullable<Awaited<ReturnType<typeof lighthouse>>>["lhr"];

/** Scored audits that lost points (informative, manual and not-applicable ones have no score to lose). */
function failedAudits(lhr: Lhr): FailedAudit[] {
  return categories.flatMap((category) =>
    lhr.categories[category]!.auditRefs.flatMap(({ id }) => {
      const audit = lhr.audits[id]!;
      if (audit.score === null || audit.score >= 1 || audit.scoreDisplayMode === "informative") return [];
      return [{ category, id, title: audit.title, score: audit.score, ...(audit.displayValue ? { displayValue: audit.displayValue } : {}) }];
    }),
  );
}

/** Lighthouse asks to be run again after some failures to record the trace (NO_NAVSTART, NO_FCP…). */
const attempts = 3;

async function runLighthouse(port: number, url: string, keepStorage: boolean) {
  for (let attempt = 1; ; attempt++) {
    const result = await lighthouse(url, { port, output: "json", logLevel: "error", onlyCategories: [...categories], disableStorageReset: keepStorage });
    if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
    const failure = result.lhr.runtimeError;
    if (!failure) return result;
    if (attempt === attempts) throw new Error(`Lighthouse failed on ${url} ${attempts} times: ${failure.code} ${failure.message}`);
    console.log(`lighthouse: ${url}: ${failure.code}, measuring again`);
  }
}

/**
 * Runs Lighthouse against `url` in the Chromium on `port`. `keepStorage`: measure with the
 * profile's session, replica and service worker (disableStorageReset), as a returning user.
 * The whole report is written to `reportPath` for a closer look.
 */
export async function audit(port: number, url: string, keepStorage: boolean, reportPath: string): Promise<PageRun> {
  const before = loadavg();
  const result = await runLighthouse(port, url, keepStorage);
  const after = loadavg();
  const { lhr } = result;
  writeFileSync(reportPath, typeof result.report === "string" ? result.report : result.report.join("\n"));
  const score = (category: Category) => Math.round((lhr.categories[category]?.score ?? 0) * 100);
  const metric = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
  return {
    scores: { performance: score("performance"), accessibility: score("accessibility"), "best-practices": score("best-practices") },
    metrics: { fcpMs: metric(metricAudits.fcpMs), lcpMs: metric(metricAudits.lcpMs), tbtMs: metric(metricAudits.tbtMs), cls: metric(metricAudits.cls) },
    failed: failedAudits(lhr),
    load: { before, after },
    benchmarkIndex: Math.round(lhr.environment.benchmarkIndex),
  };
}
