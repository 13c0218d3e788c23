// BarChart: a small horizontal bar chart in SVG (no chart library: about
// 1 KiB of code). It is one image to assistive technology, named with
// every value, so no number is shown only as a length.
export interface Bar {
  label: string
  value: number
}

const ROW = 26
const LABEL_W = 130
const WIDTH = 420

export function BarChart({ title, bars, unit = 'attempts' }: { title: string; bars: Bar[]; unit?: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value))
  const barSpace = WIDTH - LABEL_W - 40
  const height = Math.max(ROW, bars.length * ROW)
  const summary = `${title}: ${bars.map((b) => `${b.label} ${b.value}`).join(', ') || `no ${unit} yet`}`
  return (
    <svg className="chart" role="img" aria-label={summary} viewBox={`0 0 ${WIDTH} ${height}`} width="100%" preserveAspectRatio="xMinYMin meet">
      {bars.map((b, i) => {
        const y = i * ROW
        const w = Math.round((b.value / max) * barSpace)
        return (
          <g key={b.label} aria-hidden="true">
            <text x={LABEL_W - 8} y={y + ROW / 2 + 4} textAnchor="end">
              {b.label.length > 16 ? `${b.label.slice(0, 15)}…` : b.label}
            </text>
            <rect className="bar" x={LABEL_W} y={y + 5} width={Math.max(w, b.value > 0 ? 2 : 0)} height={ROW - 10} rx="3" />
            <text x={LABEL_W + w + 6} y={y + ROW / 2 + 4}>
              {b.value}
            </text>
          </g>
        )
      })}
    </svg>
  )
}
