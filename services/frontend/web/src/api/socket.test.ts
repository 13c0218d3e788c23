import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LiveSocket } from './socket'

/** FakeSocket stands in for the browser's WebSocket; tests play the server. */
class FakeSocket {
  static OPEN = 1
  static CONNECTING = 0
  static all: FakeSocket[] = []
  readyState = FakeSocket.CONNECTING
  sent: string[] = []
  onopen: (() => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this)
  }
  send(data: string) {
    this.sent.push(data)
  }
  close() {}
  open() {
    this.readyState = FakeSocket.OPEN
    this.onopen?.()
  }
  serverClose(code: number, reason = '') {
    this.readyState = 3
    this.onclose?.({ code, reason })
  }
}

/** tokens hands out tok0, then tok1, tok2… on each renewal. */
function tokens() {
  let n = 0
  return {
    accessToken: vi.fn(async () => `tok${n}`),
    renewToken: vi.fn(async (used: string | null) => {
      if (used === `tok${n}`) n++
      return `tok${n}`
    }),
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

beforeEach(() => {
  FakeSocket.all = []
  vi.useFakeTimers()
  vi.stubGlobal('WebSocket', FakeSocket)
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('LiveSocket', () => {
  it('at the token expiry (4401) renews the token and reconnects at once, resending what was pending', async () => {
    const client = tokens()
    const pending = ['{"type":"message","client_id":"c1","text":"hi"}']
    const states: string[] = []
    const s: LiveSocket = new LiveSocket({
      path: '/chat-service-api/rooms/r/ws',
      onMessage: () => {},
      onState: (c) => states.push(c.status),
      onOpen: () => pending.forEach((p) => s.send(JSON.parse(p))),
      client,
    })
    await flush()
    const first = FakeSocket.all[0]
    expect(first.protocols).toEqual(['bearer.tok0'])
    first.open()
    vi.advanceTimersByTime(15 * 60_000) // the socket lived its token's life
    first.serverClose(4401, 'token expired — refresh and reconnect')
    await vi.advanceTimersByTimeAsync(0)
    await flush()
    expect(client.renewToken).toHaveBeenCalledWith('tok0')
    expect(FakeSocket.all).toHaveLength(2)
    const second = FakeSocket.all[1]
    expect(second.protocols).toEqual(['bearer.tok1'])
    second.open()
    expect(second.sent).toEqual(pending) // the unacknowledged message goes out again
    expect(states).not.toContain('closed')
    expect(s.status.status).toBe('open')
    s.close()
  })

  it('after 4429 waits as the server says, and says why', async () => {
    const client = tokens()
    const notices: (string | null)[] = []
    const s = new LiveSocket({ path: '/x', onMessage: () => {}, onNotice: (m) => notices.push(m), client })
    await flush()
    FakeSocket.all[0].open()
    FakeSocket.all[0].serverClose(4429, 'rate limited; retry in 3 s')
    await vi.advanceTimersByTimeAsync(2900)
    expect(FakeSocket.all).toHaveLength(1)
    expect(notices.at(-1)).toMatch(/Reconnecting in 3 s/)
    await vi.advanceTimersByTimeAsync(200)
    expect(FakeSocket.all).toHaveLength(2)
    expect(client.renewToken).not.toHaveBeenCalled()
    FakeSocket.all[1].open()
    expect(notices.at(-1)).toBeNull()
    s.close()
  })

  it('stays closed after a session-ending 44xx code', async () => {
    const s = new LiveSocket({ path: '/x', onMessage: () => {}, client: tokens() })
    await flush()
    FakeSocket.all[0].open()
    FakeSocket.all[0].serverClose(4410, 'session ended')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(s.status).toMatchObject({ status: 'closed', closeCode: 4410 })
    s.close()
  })
})
