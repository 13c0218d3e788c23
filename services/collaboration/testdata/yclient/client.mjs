// A collaborative editor client built from the real yjs and y-websocket
// packages, driven by the Go tests over stdin/stdout (one JSON object per
// line).
//
//   node client.mjs <session-url> <token> <name> [query|subprotocol]
//
// <session-url> is ws://host/collaboration-service-api/sessions/<id>; the
// provider appends "/ws" (its room name) and the token. Commands (each
// answered with {"id": …, "ok": true, …} or {"id": …, "ok": false, "error": …}):
//
//   {"op":"connect"}                 open the provider
//   {"op":"disconnect"}              close it (it stays closed)
//   {"op":"retarget","url":"…"}      connect to another replica from now on
//   {"op":"waitSynced","timeout":ms} until the provider is synced
//   {"op":"type","text":"…","at":"end"|"start"|n,"delay":ms,"yieldEvery":n}
//                                    insert one character per transaction (one update each)
//   {"op":"paste","size":n,"at":…}   insert n characters in one transaction (one update)
//   {"op":"text"}                    the text: {"text": "…"}
//   {"op":"waitText","contains":["…"],"length":n,"timeout":ms}
//   {"op":"setLanguage","language":"go"}  the shared language (a Y.Map entry)
//   {"op":"language"}                {"language": "…"}
//   {"op":"peers"}                   names in the awareness states of others
//   {"op":"exit"}
//
// Unprompted events: {"event":"status","status":…}, {"event":"sync","synced":…},
// {"event":"close","code":…,"reason":…}, {"event":"closed","code":…} (no reconnect).
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import readline from 'node:readline'

const [url, token, name, mode = 'query'] = process.argv.slice(2)
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')

let received = 0
let receivedBytes = 0
class CountingWebSocket extends WebSocket {
  constructor (...args) {
    super(...args)
    this.addEventListener('message', (ev) => { received++; receivedBytes += ev.data.byteLength || 0 })
  }
}

const doc = new Y.Doc()
const text = doc.getText('code')
const meta = doc.getMap('meta')
const provider = new WebsocketProvider(url, 'ws', doc, {
  connect: false,
  WebSocketPolyfill: CountingWebSocket,
  disableBc: true,
  maxBackoffTime: 300,
  params: mode === 'query' ? { token } : {},
  protocols: mode === 'subprotocol' ? ['bearer.' + token] : []
})
provider.awareness.setLocalStateField('user', { name })
provider.on('status', ({ status }) => out({ event: 'status', status }))
provider.on('sync', (synced) => out({ event: 'sync', synced }))
provider.on('connection-close', (ev) => out({ event: 'close', code: ev ? ev.code : null, reason: ev ? String(ev.reason) : '' }))
provider.on('closed', (ev) => out({ event: 'closed', code: ev.code, reason: ev.reason }))

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// until resolves when check() is true, re-checking on every document
// change and every 20 ms, or rejects after timeout ms.
const until = (check, timeout, what) => new Promise((resolve, reject) => {
  const done = () => {
    clearInterval(iv); clearTimeout(to); doc.off('update', poll)
  }
  const poll = () => { if (check()) { done(); resolve() } }
  const iv = setInterval(poll, 20)
  const to = setTimeout(() => { done(); reject(new Error('timed out waiting for ' + what)) }, timeout)
  doc.on('update', poll)
  poll()
})

const handlers = {
  connect: async () => { provider.connect(); return {} },
  disconnect: async () => { provider.disconnect(); return {} },
  retarget: async ({ url }) => { provider.serverUrl = url; return {} },
  waitSynced: async ({ timeout = 5000 }) => {
    await until(() => provider.synced, timeout, 'sync')
    return {}
  },
  // Like an editor: the cursor is a relative position that stays after the
  // last typed character whatever the partner inserts meanwhile.
  // yieldEvery lets the client handle incoming messages between bursts.
  type: async ({ text: s, at = 'end', delay = 0, yieldEvery = 0 }) => {
    let cursor = Y.createRelativePositionFromTypeIndex(text, at === 'end' ? text.length : at === 'start' ? 0 : at)
    let i = 0
    for (const ch of s) {
      const pos = Y.createAbsolutePositionFromRelativePosition(cursor, doc).index
      doc.transact(() => text.insert(pos, ch))
      cursor = Y.createRelativePositionFromTypeIndex(text, pos + 1, -1)
      if (delay > 0) await sleep(delay)
      else if (yieldEvery > 0 && ++i % yieldEvery === 0) await sleep(1)
    }
    return {}
  },
  paste: async ({ size, at = 'end' }) => {
    doc.transact(() => text.insert(at === 'end' ? text.length : at === 'start' ? 0 : at, 'x'.repeat(size)))
    return {}
  },
  text: async () => ({ text: text.toString() }),
  waitText: async ({ contains = [], length, timeout = 5000 }) => {
    await until(() => {
      const t = text.toString()
      return contains.every((c) => t.includes(c)) && (length === undefined || t.length === length)
    }, timeout, 'text ' + JSON.stringify({ contains, length }) + ', have ' + JSON.stringify(text.toString().slice(0, 200)))
    return { text: text.toString() }
  },
  setLanguage: async ({ language }) => { meta.set('language', language); return {} },
  language: async () => ({ language: meta.get('language') ?? null }),
  peers: async () => {
    const names = []
    provider.awareness.getStates().forEach((st, id) => {
      if (id !== doc.clientID && st.user) names.push(st.user.name)
    })
    return { peers: names }
  },
  debug: async () => ({
    received,
    receivedBytes,
    pending: doc.store.pendingStructs !== null,
    pendingDs: doc.store.pendingDs !== null,
    clients: Array.from(doc.store.clients.keys())
  }),
  exit: async () => { setImmediate(() => { provider.destroy(); process.exit(0) }); return {} }
}

const rl = readline.createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  let cmd
  try { cmd = JSON.parse(line) } catch { return }
  const h = handlers[cmd.op]
  if (!h) { out({ id: cmd.id, ok: false, error: 'unknown op ' + cmd.op }); return }
  try {
    out({ id: cmd.id, ok: true, ...(await h(cmd)) })
  } catch (e) {
    out({ id: cmd.id, ok: false, error: String(e && e.message ? e.message : e) })
  }
})
rl.on('close', () => { provider.destroy(); process.exit(0) })
