import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { ConnAction } from '../../../api/connection'
import { editorSocket } from './provider'

/** FakeSocket is the browser WebSocket as y-websocket uses it; the test plays collaboration-service. */
class FakeSocket {
  static all: FakeSocket[] = []
  readonly OPEN = 1
  readyState = 0
  binaryType = 'blob'
  sent: Uint8Array[] = []
  onopen: (() => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onmessage: ((ev: { data: ArrayBuffer }) => void) | null = null
  onerror: (() => void) | null = null
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this)
  }
  send(b: Uint8Array) {
    this.sent.push(b)
  }
  close() {
    this.readyState = 3
  }
  open() {
    this.readyState = 1
    this.onopen?.()
  }
  receive(bytes: number[]) {
    this.onmessage?.({ data: new Uint8Array(bytes).buffer })
  }
  serverClose(code: number, reason: string) {
    this.readyState = 3
    this.onclose?.({ code, reason })
  }
  /** The updates in the sync messages (step 2 and update) this client sent. */
  updates(): Uint8Array[] {
    const out: Uint8Array[] = []
    for (const m of this.sent) {
      const d = decoding.createDecoder(m)
      if (decoding.readVarUint(d) !== 0) continue // not sync
      if (decoding.readVarUint(d) === 0) continue // step 1: a state vector
      out.push(decoding.readVarUint8Array(d))
    }
    return out
  }
}

// What the server sends on join (room.sendDocument): an empty step 2 (you
// are synced) and a step 1 with an empty state vector (send your document).
const STEP2_EMPTY = [0, 1, 2, 0, 0]
const STEP1_EMPTY = [0, 0, 1, 0]

function tokens() {
  let n = 0
  return {
    currentToken: () => `tok${n}`,
    accessToken: vi.fn(async () => `tok${n}`),
    renewToken: vi.fn(async (used: string | null) => {
      if (used === `tok${n}`) n++
      return `tok${n}`
    }),
  }
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(check()).toBe(true)
}

afterEach(() => {
  FakeSocket.all = []
  vi.useRealTimers()
})

describe('the editor socket', () => {
  it('at the token expiry (4401) renews the token, reconnects, and sends what was typed meanwhile', async () => {
    const doc = new Y.Doc()
    const text = doc.getText('code')
    const client = tokens()
    const conn: ConnAction[] = []
    const closed = vi.fn()
    const s = editorSocket(doc, 'sid', { onConn: (a) => conn.push(a), onNotice: () => {}, onClosed: closed }, {
      client,
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    })
    s.provider.connect()
    const first = FakeSocket.all[0]
    expect(first.protocols).toEqual(['bearer.tok0'])
    first.open()
    first.receive(STEP2_EMPTY)
    expect(s.provider.synced).toBe(true)
    text.insert(0, 'def f():')
    expect(first.updates()).toHaveLength(1)

    vi.useFakeTimers({ now: Date.now() + 15 * 60_000, toFake: ['Date'] }) // the token's life later
    first.serverClose(4401, 'token expired — refresh and reconnect')
    text.insert(text.length, '\n    return 1') // typed while reconnecting
    await until(() => FakeSocket.all.length === 2)
    expect(client.renewToken).toHaveBeenCalledWith('tok0')
    expect(closed).not.toHaveBeenCalled()
    expect(conn.some((a) => a.type === 'closed' && a.permanent)).toBe(false)

    const second = FakeSocket.all[1]
    expect(second.protocols).toEqual(['bearer.tok1'])
    second.open()
    second.receive(STEP2_EMPTY)
    second.receive(STEP1_EMPTY)
    // Its answer to the step 1 is the whole document: nothing was lost.
    const server = new Y.Doc()
    for (const u of second.updates()) Y.applyUpdate(server, u)
    expect(server.getText('code').toString()).toBe('def f():\n    return 1')
    s.destroy()
  })

  it('after 4429 waits, says why, and reconnects', async () => {
    const doc = new Y.Doc()
    const notices: (string | null)[] = []
    const s = editorSocket(doc, 'sid', { onConn: () => {}, onNotice: (m) => notices.push(m), onClosed: () => {} }, {
      client: tokens(),
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    })
    s.provider.connect()
    FakeSocket.all[0].open()
    FakeSocket.all[0].serverClose(4429, 'rate limited; retry in 1 s')
    expect(notices.at(-1)).toMatch(/faster than the server accepts/)
    await new Promise((r) => setTimeout(r, 500))
    expect(FakeSocket.all).toHaveLength(1)
    await until(() => FakeSocket.all.length === 2)
    FakeSocket.all[1].open()
    expect(notices.at(-1)).toBeNull()
    s.destroy()
  })

  it('stops after 4413 and says why in words', () => {
    const doc = new Y.Doc()
    const notices: (string | null)[] = []
    const closed = vi.fn()
    const s = editorSocket(doc, 'sid', { onConn: () => {}, onNotice: (m) => notices.push(m), onClosed: closed }, {
      client: tokens(),
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    })
    s.provider.connect()
    FakeSocket.all[0].open()
    FakeSocket.all[0].serverClose(4413, 'a change larger than 256 KiB')
    expect(closed).toHaveBeenCalledWith(4413)
    expect(notices.at(-1)).toMatch(/not shared: a change larger than 256 KiB/)
    s.destroy()
  })
})
