// The ladder's time axis: time flows down in proportion to the timeline's ms, except that every
// moment drawn gets a row of its own (a minimum gap) and long quiet stretches are shortened
// (a maximum gap, marked as a break on the axis). The exact times are printed on the axis.

const MIN_GAP = 18;
const MAX_GAP = 80;
/** Pixels the whole span would take at the proportional rate, before the gaps are clamped. */
const SPAN_PX = 380;

/** Maps ms on the lab's clock to y, monotonically. */
export interface TimeScale {
  y(atMs: number): number;
  /** The moments that have a row, in order, with their y. */
  rows: { atMs: number; y: number }[];
  /** y of each shortened stretch. */
  breaks: number[];
  bottom: number;
}

export function timeScale(times: number[], top: number): TimeScale {
  const keys = [...new Set(times.filter(Number.isFinite).map((t) => Math.round(t * 1000) / 1000))].sort((a, b) => a - b);
  if (keys.length === 0) keys.push(0);
  const span = keys[keys.length - 1]! - keys[0]!;
  const perMs = SPAN_PX / Math.max(span, 1);
  const rows = [{ atMs: keys[0]!, y: top }];
  const breaks: number[] = [];
  for (let i = 1; i < keys.length; i++) {
    const raw = (keys[i]! - keys[i - 1]!) * perMs;
    const gap = Math.min(MAX_GAP, Math.max(MIN_GAP, raw));
    const prev = rows[i - 1]!.y;
    if (raw > MAX_GAP) breaks.push(prev + gap / 2);
    rows.push({ atMs: keys[i]!, y: prev + gap });
  }
  const y = (t: number): number => {
    if (t <= rows[0]!.atMs) return rows[0]!.y;
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1]!, rows[i]!];
      if (t <= b.atMs) return a.y + ((t - a.atMs) / (b.atMs - a.atMs)) * (b.y - a.y);
    }
    return rows[rows.length - 1]!.y;
  };
  return { y, rows, breaks, bottom: rows[rows.length - 1]!.y };
}
