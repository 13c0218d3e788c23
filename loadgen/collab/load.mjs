// bench:collab's load client: for each room, two real yjs + y-websocket
// clients (WebsocketProvider, as the browser editor), each writing `rate`
// updates a second once both have synced; the partner's receipt of each
// update is timed (both clients are in this process, so one clock).
//
//   node load.mjs <config.json>
//   config: {"rate":5,"seconds":20,"rooms":[{"a":{"url","room","token"},"b":{…}}]}
//
// Prints one JSON line: updates sent, received, p50/p99/max in ms.
import fs from 'node:fs'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const lat = []
// Keys of this run only: a room reused from an earlier run already holds
// that run's keys, which the partner receives again on sync.
const run = Math.random().toString(36).slice(2, 10) + ':'
let sent = 0

function client (side) {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(side.url, side.room, doc, {
    WebSocketPolyfill: WebSocket,
    params: side.token ? { token: side.token } : {},
    disableBc: true
  })
  return { doc, provider, map: doc.getMap('bench') }
}

function synced (c) {
  return new Promise(resolve => {
    if (c.provider.synced) return resolve()
    c.provider.on('sync', s => { if (s) resolve() })
  })
}

const pairs = cfg.rooms.map(r => [client(r.a), client(r.b)])
for (const [a, b] of pairs) {
  for (const [me, partner] of [[a, b], [b, a]]) {
    partner.map.observe((ev, tr) => {
      if (tr.local) return
      const now = performance.now()
      for (const key of ev.keysChanged) {
        if (key.startsWith(run + (me === a ? 'a' : 'b'))) lat.push(now - partner.map.get(key))
      }
    })
  }
}
await Promise.race([
  Promise.all(pairs.flat().map(synced)),
  new Promise((resolve, reject) => setTimeout(() => reject(new Error('not every client synced within 60 s')), 60000))
])

const period = 1000 / cfg.rate
const end = performance.now() + cfg.seconds * 1000
const timers = []
pairs.forEach(([a, b], i) => {
  for (const [name, c] of [['a', a], ['b', b]]) {
    let seq = 0
    const start = () => timers.push(setInterval(() => {
      if (performance.now() >= end) return
      c.map.set(run + name + seq++, performance.now())
      sent++
    }, period))
    setTimeout(start, (i * 7 + (name === 'b' ? period / 2 : 0)) % period)
  }
})
await new Promise(resolve => setTimeout(resolve, cfg.seconds * 1000 + 2000))
timers.forEach(clearInterval)
lat.sort((x, y) => x - y)
const at = q => lat.length ? lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] : 0
console.log(JSON.stringify({ sent, received: lat.length, p50: at(0.5), p99: at(0.99), max: lat.length ? lat[lat.length - 1] : 0 }))
for (const c of pairs.flat()) c.provider.destroy()
process.exit(0)
