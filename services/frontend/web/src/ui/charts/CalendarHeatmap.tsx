// CalendarHeatmap: a year of daily counts as weeks (columns, Sunday on
// top) of coloured squares, in SVG. One image to assistive technology,
// named with the total; each square has a <title> with its day and count.
export interface Day {
  date: string // YYYY-MM-DD
  count: number
}

const CELL = 11
const GAP = 2
const TOP = 16
const LEFT = 28
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** level buckets a count into the 5 shades of the legend. */
export function level(count: number): number {
  if (count <= 0) return 0
  if (count === 1) return 1
  if (count === 2) return 2
  if (count <= 4) return 3
  return 4
}

function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay()
}

export function CalendarHeatmap({ days, label }: { days: Day[]; label: string }) {
  if (days.length === 0) return null
  const offset = weekday(days[0].date)
  const weeks = Math.ceil((days.length + offset) / 7)
  const width = LEFT + weeks * (CELL + GAP)
  const height = TOP + 7 * (CELL + GAP)
  const total = days.reduce((n, d) => n + d.count, 0)
  const active = days.filter((d) => d.count > 0).length
  const monthLabels: { x: number; text: string }[] = []
  days.forEach((d, i) => {
    if (d.date.endsWith('-01')) {
      const col = Math.floor((i + offset) / 7)
      monthLabels.push({ x: LEFT + col * (CELL + GAP), text: MONTHS[Number(d.date.slice(5, 7)) - 1] })
    }
  })
  return (
    <div className="heatmap">
      <svg
        className="chart"
        role="img"
        aria-label={`${label}: ${total} ${total === 1 ? 'attempt' : 'attempts'} on ${active} ${active === 1 ? 'day' : 'days'}`}
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
      >
        <g aria-hidden="true">
          {monthLabels.map((m) => (
            <text key={`${m.x}-${m.text}`} x={m.x} y={11}>
              {m.text}
            </text>
          ))}
          {['Mon', 'Wed', 'Fri'].map((d, i) => (
            <text key={d} x={0} y={TOP + (1 + i * 2) * (CELL + GAP) + CELL - 2}>
              {d}
            </text>
          ))}
          {days.map((d, i) => {
            const col = Math.floor((i + offset) / 7)
            const row = (i + offset) % 7
            return (
              <rect key={d.date} className={`heat-${level(d.count)}`} x={LEFT + col * (CELL + GAP)} y={TOP + row * (CELL + GAP)} width={CELL} height={CELL} rx="2">
                <title>{`${d.date}: ${d.count} ${d.count === 1 ? 'attempt' : 'attempts'}`}</title>
              </rect>
            )
          })}
        </g>
      </svg>
      <p className="heat-legend" aria-hidden="true">
        Less
        {[0, 1, 2, 3, 4].map((l) => (
          <svg key={l} width={CELL} height={CELL}>
            <rect className={`heat-${l}`} width={CELL} height={CELL} rx="2" />
          </svg>
        ))}
        More
      </p>
    </div>
  )
}
