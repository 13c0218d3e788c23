// LiveSocket is a JSON WebSocket to the platform that reconnects with
// backoff, opens every connection with a fresh access token (subprotocol
// bearer.<jwt>), and reports its state through connReducer. After a close
// it does what closeCodes says: at the token's expiry (4401) it renews the
// token and reconnects at once, after 4429 it waits as told.
import { api, bearerProtocol, wsURL, type ApiClient } from './client'
import { afterClose } from './closeCodes'
import { backoff, connReducer, initialConn, type ConnState } from './connection'

export interface LiveSocketOptions {
  path: string
  onMessage: (data: unknown) => void
  onState?: (s: ConnState) => void
  /** Called on every successful open (e.g. to resend or refetch). */
  onOpen?: () => void
  /** Words to show after a close that has them (4429: when it reconnects). */
  onNotice?: (message: string | null) => void
  /** The token source; the app's client unless a test gives another. */
  client?: Pick<ApiClient, 'accessToken' | 'renewToken'>
}

/** A socket refused for its token this soon after opening is not renewed at once again. */
const QUICK_EXPIRY_MS = 10_000

export class LiveSocket {
  private ws: WebSocket | null = null
  private state: ConnState
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  private readonly o: LiveSocketOptions
  private readonly client: Pick<ApiClient, 'accessToken' | 'renewToken'>
  /** The token of the last connection, and whether the server refused it. */
  private used: string | null = null
  private renew = false
  private openedAt = 0

  constructor(o: LiveSocketOptions) {
    this.o = o
    this.client = o.client ?? api
    this.state = initialConn(typeof navigator === 'undefined' ? true : navigator.onLine)
    window.addEventListener('online', this.onOnline)
    window.addEventListener('offline', this.onOffline)
    void this.connect()
  }

  get status() {
    return this.state
  }

  private dispatch(a: Parameters<typeof connReducer>[1]) {
    this.state = connReducer(this.state, a)
    this.o.onState?.(this.state)
  }

  private onOnline = () => {
    this.dispatch({ type: 'online' })
    if (!this.ws) {
      clearTimeout(this.timer)
      void this.connect()
    }
  }

  private onOffline = () => this.dispatch({ type: 'offline' })

  private async connect() {
    if (this.stopped || this.ws) return
    this.dispatch({ type: 'connecting' })
    let token: string
    try {
      token = this.renew ? await this.client.renewToken(this.used) : await this.client.accessToken()
    } catch {
      this.retry()
      return
    }
    if (this.stopped || this.ws) return
    this.renew = false
    this.used = token
    const ws = new WebSocket(wsURL(this.o.path), [bearerProtocol(token)])
    this.ws = ws
    ws.onopen = () => {
      this.openedAt = Date.now()
      this.dispatch({ type: 'open' })
      this.o.onNotice?.(null)
      this.o.onOpen?.()
    }
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return
      try {
        this.o.onMessage(JSON.parse(ev.data))
      } catch {
        // Not JSON: nothing this client understands.
      }
    }
    ws.onclose = (ev) => {
      if (this.ws !== ws) return
      this.ws = null
      if (this.stopped) return
      const next = afterClose(ev.code, ev.reason)
      switch (next.action) {
        case 'stop':
          this.dispatch({ type: 'closed', code: ev.code, permanent: true })
          if (next.message) this.o.onNotice?.(next.message)
          return
        case 'refresh':
          this.renew = true
          this.dispatch({ type: 'closed', code: ev.code })
          // At once, unless the last renewal was just as quickly refused.
          this.reconnectIn(Date.now() - this.openedAt < QUICK_EXPIRY_MS ? backoff(this.state.attempts) : 0)
          return
        case 'wait':
          this.dispatch({ type: 'closed', code: ev.code })
          this.o.onNotice?.(next.message)
          this.reconnectIn(next.ms)
          return
        case 'retry':
          this.retry()
      }
    }
  }

  private reconnectIn(ms: number) {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.connect(), ms)
  }

  private retry() {
    if (this.stopped) return
    if (this.state.status !== 'reconnecting' && this.state.status !== 'offline') {
      this.dispatch({ type: 'closed' })
    }
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.connect(), backoff(this.state.attempts))
  }

  /** send writes a JSON frame; false when the socket is not open. */
  send(frame: unknown): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false
    this.ws.send(JSON.stringify(frame))
    return true
  }

  close() {
    this.stopped = true
    clearTimeout(this.timer)
    window.removeEventListener('online', this.onOnline)
    window.removeEventListener('offline', this.onOffline)
    const ws = this.ws
    this.ws = null
    if (ws) {
      ws.onclose = null
      ws.onmessage = null
      ws.onopen = null
      if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close(1000)
      else ws.close(1000)
    }
  }
}
