import { type Plot, niceMax, pathData, segments, summarize } from "../app/chart-geometry.ts";

export interface ChartSeries {
  name: string;
  /** One value per bucket; null where the bucket has nothing to measure (drawn as a gap). */
  values: (number | null)[];
  color: string;
}

interface LineChartProps {
  title: string;
  /** What the whole chart spans, leading the legend ("last 6 h"). */
  range: string;
  /** Bucket start times (ISO), one per value. */
  times: string[];
  series: ChartSeries[];
  format: (value: number) => string;
  /** Fill the area under a single series (counts such as the backlog). */
  area?: boolean;
}

const plot: Plot = { width: 340, height: 130, left: 44, right: 8, top: 8, bottom: 20 };
// One formatter for every point: toLocaleTimeString builds a new one per call, which for a few
// hundred tooltips was most of the dashboard's first render.
const clockFormat = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" });
const clock = (iso: string) => clockFormat.format(new Date(iso));

/**
 * A small time-series chart drawn as inline SVG (no charting library: the PWA stays lean). Each
 * point carries a native tooltip with its time and value; the legend says what the range shows:
 * each series' peak and its latest value ("now" when that is the last bucket's, else its time).
 */
export function LineChart({ title, range, times, series, format, area = false }: LineChartProps) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null))));
  const baseline = plot.height - plot.bottom;
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${plot.width} ${plot.height}`} role="img" aria-label={`${title} over time`}>
        {[0, 0.5, 1].map((share) => {
          const y = baseline - share * (baseline - plot.top);
          return (
            <g key={share} className="chart-grid">
              <line x1={plot.left} x2={plot.width - plot.right} y1={y} y2={y} />
              <text x={plot.left - 4} y={y + 3} textAnchor="end">
                {format(max * share)}
              </text>
            </g>
          );
        })}
        {times.length ? (
          <g className="chart-axis">
            <text x={plot.left} y={plot.height - 4}>
              {clock(times[0]!)}
            </text>
            <text x={plot.width - plot.right} y={plot.height - 4} textAnchor="end">
              now
            </text>
          </g>
        ) : null}
        {series.map((s) =>
          segments(s.values, max, plot).map((run) => (
            <g key={`${s.name}-${run[0]!.index}`} className="chart-series" data-series={s.name}>
              {area ? <path d={pathData(run, baseline)} fill={s.color} fillOpacity={0.15} stroke="none" /> : null}
              <path d={pathData(run)} fill="none" stroke={s.color} strokeWidth={2} />
              {run.map((p) => (
                <circle key={p.index} cx={p.x} cy={p.y} r={2.5} fill={s.color}>
                  <title>{`${clock(times[p.index]!)} · ${s.name} ${format(p.value)}`}</title>
                </circle>
              ))}
            </g>
          )),
        )}
      </svg>
      <ul className="chart-legend" aria-label={`${title}, ${range}`}>
        <li>{range}:</li>
        {series.map((s) => {
          const summary = summarize(s.values);
          return (
            <li key={s.name}>
              <span className="swatch" style={{ background: s.color }} />
              {s.name}:{" "}
              {summary ? (
                <>
                  peak <strong>{format(summary.peak)}</strong>, {summary.latestIsNow ? "now" : `at ${clock(times[summary.latestIndex]!)}`}{" "}
                  <strong>{format(summary.latest)}</strong>
                </>
              ) : (
                "none"
              )}
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
