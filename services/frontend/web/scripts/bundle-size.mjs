// Prints the gzip size of every JavaScript and CSS chunk in build/app and
// the initial download of the sign-in page (index.html's script and
// stylesheet plus the chunks they preload or import statically), and
// fails when that initial JavaScript is over the 250 KiB gzip budget.
//
//   npm run build && npm run size
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const root = new URL('../build/app/', import.meta.url).pathname
const BUDGET = 250 * 1024

const gz = async (file) => gzipSync(await readFile(join(root, file)), { level: 9 }).length
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`

const assets = (await readdir(join(root, 'assets'))).filter((f) => /\.(js|css)$/.test(f)).map((f) => `assets/${f}`)
const html = await readFile(join(root, 'index.html'), 'utf8')
const entry = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])

// closure follows static imports (not dynamic import()) from chunks.
async function closure(start) {
  const seen = new Set()
  const queue = [...start]
  while (queue.length) {
    const f = queue.pop()
    if (seen.has(f)) continue
    seen.add(f)
    if (!f.endsWith('.js')) continue
    const src = await readFile(join(root, f), 'utf8')
    for (const m of src.matchAll(/(?:^|[;\s}])import\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+\.js)["']/g)) queue.push(`assets/${m[1]}`)
  }
  return seen
}
const initial = await closure(entry)

const rows = await Promise.all(assets.map(async (f) => ({ f, size: await gz(f) })))
rows.sort((a, b) => b.size - a.size)
console.log('gzip size per chunk (* = loaded by the sign-in page):')
for (const r of rows) console.log(`${initial.has(r.f) ? '*' : ' '} ${kib(r.size).padStart(10)}  ${r.f}`)
const js = rows.filter((r) => initial.has(r.f) && r.f.endsWith('.js')).reduce((n, r) => n + r.size, 0)
const css = rows.filter((r) => initial.has(r.f) && r.f.endsWith('.css')).reduce((n, r) => n + r.size, 0)
console.log(`sign-in page initial JavaScript: ${kib(js)} gzip (budget ${kib(BUDGET)}), CSS: ${kib(css)} gzip`)

// Each route: the entry plus the route's lazy page chunk and what it
// imports statically, as a first visit to that address downloads it
// (code a page loads later on its own, like the attempt's highlighter or
// the session's editor, is listed apart).
const ROUTES = [
  ['/ (dashboard)', 'DashboardPage'],
  ['/match', 'FindMatchPage'],
  ['/history', 'HistoryPage'],
  ['/history/:id', 'AttemptPage', 'ReadOnlyCode'],
  ['/questions', 'QuestionBankPage'],
  ['/questions/:slug', 'QuestionPage'],
  ['/profile', 'ProfilePage'],
  ['/admin', 'AdminPage'],
  ['/admin/questions', 'AdminQuestionsPage'],
  ['/admin/questions/:id', 'QuestionEditorPage'],
  ['/admin/users', 'AdminUsersPage'],
  ['/session/:id/summary', 'SummaryPage'],
  ['/session/:id (the session room, no budget)', 'SessionPage', 'CollabEditor'],
]
const chunk = (name) => assets.find((f) => new RegExp(`^assets/${name}-[\\w-]+\\.js$`).test(f))
const sizeOf = Object.fromEntries(rows.map((r) => [r.f, r.size]))
const sum = (set) => [...set].filter((f) => f.endsWith('.js')).reduce((n, f) => n + (sizeOf[f] ?? 0), 0)
let over = js > BUDGET
console.log('\ninitial JavaScript per route (entry + page chunk + its static imports), gzip:')
for (const [route, page, later] of ROUTES) {
  const c = chunk(page)
  if (!c) {
    console.log(`  ${route}: no chunk named ${page}`)
    continue
  }
  const first = await closure([...entry, c])
  const size = sum(first)
  let extra = ''
  if (later && chunk(later)) {
    const all = await closure([...first, chunk(later)])
    extra = `; with ${later} loaded afterwards ${kib(sum(all))}`
  }
  const budgeted = !route.includes('no budget')
  if (budgeted && size > BUDGET) over = true
  console.log(`  ${kib(size).padStart(10)}  ${route}${extra}${budgeted && size > BUDGET ? '  OVER BUDGET' : ''}`)
}
if (over) {
  console.error('over the initial JavaScript budget')
  process.exit(1)
}
