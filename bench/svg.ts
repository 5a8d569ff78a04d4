export interface Series {
  readonly name: string;
  readonly colour: string;
  /** Requests per bucket, from t = 0. */
  readonly counts: readonly number[];
}

export interface Chart {
  readonly title: string;
  readonly bucketMs: number;
  readonly series: readonly Series[];
  /** Dashed vertical lines, e.g. when an outage ends. */
  readonly markers?: ReadonlyArray<{ readonly atMs: number; readonly label: string }>;
  /** Dashed horizontal lines, e.g. at a rate limit, in the series' unit. */
  readonly levels?: ReadonlyArray<{ readonly value: number; readonly label: string }>;
  /** What the series count, for the y axis. Default 'requests'. */
  readonly unit?: string;
}

const W = 900;
const H = 420;
const PAD = { left: 64, right: 180, top: 40, bottom: 56 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round step that gives about `ticks` ticks up to `max`: 1, 2 or 5 times a power of ten. */
function niceStep(max: number, ticks: number): number {
  const raw = Math.max(max, 1) / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}

function axes(xMaxS: number, yMax: number, x: (s: number) => number, y: (n: number) => number): string[] {
  const out: string[] = [];
  const xStep = niceStep(xMaxS, 10);
  for (let s = 0; s <= xMaxS + 1e-9; s += xStep) {
    out.push(`<line x1="${x(s)}" y1="${PAD.top + PLOT_H}" x2="${x(s)}" y2="${PAD.top + PLOT_H + 5}" stroke="#333"/>`);
    out.push(`<text x="${x(s)}" y="${PAD.top + PLOT_H + 20}" text-anchor="middle">${+s.toFixed(3)}</text>`);
  }
  const yStep = niceStep(yMax, 6);
  for (let n = 0; n <= yMax + 1e-9; n += yStep) {
    out.push(`<line x1="${PAD.left}" y1="${y(n)}" x2="${PAD.left + PLOT_W}" y2="${y(n)}" stroke="#eee"/>`);
    out.push(`<text x="${PAD.left - 8}" y="${y(n) + 4}" text-anchor="end">${n}</text>`);
  }
  // The axes last, so no grid line covers them.
  out.push(
    `<line x1="${PAD.left}" y1="${PAD.top + PLOT_H}" x2="${PAD.left + PLOT_W}" y2="${PAD.top + PLOT_H}" stroke="#333"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + PLOT_H}" stroke="#333"/>`,
  );
  return out;
}

function legend(series: readonly Series[]): string[] {
  const left = PAD.left + PLOT_W + 20;
  return series.flatMap((s, i) => {
    const top = PAD.top + 10 + i * 22;
    return [
      `<line x1="${left}" y1="${top}" x2="${left + 24}" y2="${top}" stroke="${s.colour}" stroke-width="2.5"/>`,
      `<text x="${left + 32}" y="${top + 4}">${esc(s.name)}</text>`,
    ];
  });
}

/** A line chart of requests per bucket over time, one line a series. */
export function lineChart(chart: Chart): string {
  const buckets = Math.max(1, ...chart.series.map((s) => s.counts.length));
  const xMaxS = (buckets * chart.bucketMs) / 1000;
  const levels = chart.levels ?? [];
  // Room above a level line, so that a series running along it stays clear of the plot's top edge.
  const highest = Math.max(1, ...chart.series.flatMap((s) => s.counts), ...levels.map((l) => l.value * 1.25));
  const yStep = niceStep(highest, 6);
  const yMax = Math.ceil(highest / yStep) * yStep;
  const x = (s: number): number => +(PAD.left + (s / xMaxS) * PLOT_W).toFixed(1);
  const y = (n: number): number => +(PAD.top + PLOT_H - (n / yMax) * PLOT_H).toFixed(1);
  // Each bucket is plotted at its middle.
  const lines = chart.series.map((s) => {
    const points = s.counts.map((n, i) => `${x(((i + 0.5) * chart.bucketMs) / 1000)},${y(n)}`).join(' ');
    return `<polyline fill="none" stroke="${s.colour}" stroke-width="1.8" stroke-linejoin="round" points="${points}"/>`;
  });
  const markers = (chart.markers ?? []).flatMap((m) => [
    `<line x1="${x(m.atMs / 1000)}" y1="${PAD.top}" x2="${x(m.atMs / 1000)}" y2="${PAD.top + PLOT_H}" stroke="#555" stroke-dasharray="4 4"/>`,
    `<text x="${x(m.atMs / 1000) + 4}" y="${PAD.top + 12}" fill="#555">${esc(m.label)}</text>`,
  ]);
  const levelLines = levels.flatMap((l) => [
    `<line x1="${PAD.left}" y1="${y(l.value)}" x2="${PAD.left + PLOT_W}" y2="${y(l.value)}" stroke="#555" stroke-dasharray="4 4"/>`,
    `<text x="${PAD.left + PLOT_W - 4}" y="${y(l.value) - 4}" text-anchor="end" fill="#555">${esc(l.label)}</text>`,
  ]);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="${PAD.top - 16}" font-size="15" font-weight="bold">${esc(chart.title)}</text>`,
    ...axes(xMaxS, yMax, x, y),
    ...markers,
    ...levelLines,
    ...lines,
    ...legend(chart.series),
    `<text x="${PAD.left + PLOT_W / 2}" y="${H - 12}" text-anchor="middle">time since the first call (s)</text>`,
    `<text transform="translate(16 ${PAD.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${esc(chart.unit ?? 'requests')} per ${chart.bucketMs} ms</text>`,
    '</svg>',
    '',
  ].join('\n');
}
