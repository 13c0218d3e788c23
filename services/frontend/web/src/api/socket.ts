// LiveSocket is a JSON WebSocket to the platform that reconnects with
// backoff, opens every connection with a fresh access token (subprotocol
// bearer.<jwt>), and reports its state through connReducer.
import { api, bearerProtocol, wsURL } from './client'
import { backoff, connReducer, initialConn, type ConnState } from './connection'

export interface LiveSocketOptions {
  path: string
  onMessage: (data: unknown) => void
  onState?: (s: ConnState) => void
  /** Called on every successful open (e.g. to resend or refetch). */
  onOpen?: () => void
  /** Close codes after which reconnecting is pointless. */
  permanentCodes?: (code: number) => boolean
}

const defaultPermanent = (code: number) => code >= 4400 && code < 4500

export class LiveSocket {
  private ws: WebSocket | null = null
  private state: ConnState
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  private readonly o: LiveSocketOptions

  constructor(o: LiveSocketOptions) {
    this.o = o
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
      token = await api.accessToken()
    } catch {
      this.retry()
      return
    }
    if (this.stopped) return
    const ws = new WebSocket(wsURL(this.o.path), [bearerProtocol(token)])
    this.ws = ws
    ws.onopen = () => {
      this.dispatch({ type: 'open' })
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
      const permanent = (this.o.permanentCodes ?? defaultPermanent)(ev.code)
      this.dispatch({ type: 'closed', code: ev.code, permanent })
      if (!permanent) this.retry()
    }
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
