// The editor's connection: y-websocket's WebsocketProvider opening every
// (re)connection with the access token of that moment, and picking up the
// close codes after which y-websocket stops by itself but this client
// should not (closeCodes): at the token's expiry (4401) it renews the token
// and reconnects — the document resyncs, so nothing typed meanwhile is
// lost — and after 4429 it waits as told.
import { WebsocketProvider } from 'y-websocket'
import type * as Y from 'yjs'
import { api, bearerProtocol, wsURL, type ApiClient } from '../../../api/client'
import { afterClose } from '../../../api/closeCodes'
import type { ConnAction } from '../../../api/connection'
import { COLLAB_WS_BASE } from '../api'

export interface EditorSocketEvents {
  onConn: (a: ConnAction) => void
  /** Words to show about the connection, or null to clear them. */
  onNotice: (message: string | null) => void
  /** The server closed the editor for good (4410 ended, 4403 left, 4413 too large). */
  onClosed: (code: number) => void
}

export interface EditorSocketOptions {
  client?: Pick<ApiClient, 'currentToken' | 'accessToken' | 'renewToken'>
  WebSocketImpl?: typeof WebSocket
}

/** A token refused this soon after connecting is not renewed at once again. */
const QUICK_EXPIRY_MS = 10_000

export interface EditorSocket {
  provider: WebsocketProvider
  /** destroy ends the connection and any reconnect that is waiting. */
  destroy: () => void
}

export function editorSocket(doc: Y.Doc, sessionId: string, ev: EditorSocketEvents, o: EditorSocketOptions = {}): EditorSocket {
  const client = o.client ?? api
  const Base = o.WebSocketImpl ?? WebSocket
  let used: string | null = null
  class TokenWebSocket extends Base {
    constructor(url: string | URL, protocols?: string | string[]) {
      const token = client.currentToken()
      used = token
      super(url, token ? [bearerProtocol(token)] : protocols)
    }
  }
  const provider = new WebsocketProvider(wsURL(`${COLLAB_WS_BASE}/${encodeURIComponent(sessionId)}`), 'ws', doc, {
    connect: false,
    disableBc: true,
    WebSocketPolyfill: TokenWebSocket as unknown as typeof WebSocket,
    maxBackoffTime: 5000,
  })
  let connectedAt = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const reconnectIn = (ms: number) => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      if (!destroyed) provider.connect()
    }, ms)
  }
  let destroyed = false
  provider.on('status', ({ status }) => {
    if (status === 'connected') {
      connectedAt = Date.now()
      ev.onNotice(null)
      ev.onConn({ type: 'open' })
    } else if (status === 'connecting') ev.onConn({ type: 'connecting' })
    else ev.onConn({ type: 'closed' })
  })
  provider.on('connection-close', () => {
    // Make sure the next attempt has a live token (refreshes if close to expiry).
    client.accessToken().catch(() => {})
  })
  provider.on('closed', ({ code, reason }) => {
    const next = afterClose(code, reason)
    switch (next.action) {
      case 'refresh': {
        ev.onConn({ type: 'closed', code })
        const wait = Date.now() - connectedAt < QUICK_EXPIRY_MS ? 2000 : 0
        client.renewToken(used).then(
          () => reconnectIn(wait),
          () => {
            // The refresh token was refused: the app signs out.
          },
        )
        return
      }
      case 'wait':
        ev.onConn({ type: 'closed', code })
        ev.onNotice(next.message)
        reconnectIn(next.ms)
        return
      default:
        ev.onConn({ type: 'closed', code, permanent: true })
        if (next.action === 'stop' && next.message) ev.onNotice(next.message)
        ev.onClosed(code)
    }
  })
  return {
    provider,
    destroy: () => {
      destroyed = true
      clearTimeout(timer)
      provider.destroy()
    },
  }
}
