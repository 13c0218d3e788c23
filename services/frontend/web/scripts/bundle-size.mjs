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

// Follow static imports (not dynamic import()) from the entry chunks.
const initial = new Set()
const queue = [...entry]
while (queue.length) {
  const f = queue.pop()
  if (initial.has(f)) continue
  initial.add(f)
  if (!f.endsWith('.js')) continue
  const src = await readFile(join(root, f), 'utf8')
  for (const m of src.matchAll(/(?:^|[;\s}])import\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+\.js)["']/g)) queue.push(`assets/${m[1]}`)
}

const rows = await Promise.all(assets.map(async (f) => ({ f, size: await gz(f) })))
rows.sort((a, b) => b.size - a.size)
console.log('gzip size per chunk (* = loaded by the sign-in page):')
for (const r of rows) console.log(`${initial.has(r.f) ? '*' : ' '} ${kib(r.size).padStart(10)}  ${r.f}`)
const js = rows.filter((r) => initial.has(r.f) && r.f.endsWith('.js')).reduce((n, r) => n + r.size, 0)
const css = rows.filter((r) => initial.has(r.f) && r.f.endsWith('.css')).reduce((n, r) => n + r.size, 0)
console.log(`sign-in page initial JavaScript: ${kib(js)} gzip (budget ${kib(BUDGET)}), CSS: ${kib(css)} gzip`)
if (js > BUDGET) {
  console.error('over the initial JavaScript budget')
  process.exit(1)
}
