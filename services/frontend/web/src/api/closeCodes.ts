// What the client does after the server closes a socket, decided in one
// place for the matching, chat and editor sockets. The codes are the
// server's (libs/wsclose); 4400–4499 mirror HTTP 4xx, and y-websocket
// stops reconnecting after them, so this client picks up the ones that
// only need a new token or a pause.

/** The access token the socket was opened with expired or was revoked. */
export const CLOSE_TOKEN_EXPIRED = 4401
/** A change (or the document it would grow) is over its size cap. */
export const CLOSE_TOO_LARGE = 4413
/** Too many changes; the reason ends with "retry in N s". */
export const CLOSE_RATE_LIMITED = 4429

export type AfterClose =
  /** Get a fresh access token, then reconnect at once. */
  | { action: 'refresh' }
  /** Reconnect after ms, and say why meanwhile. */
  | { action: 'wait'; ms: number; message: string }
  /** Do not reconnect; message says why when there are words for it. */
  | { action: 'stop'; message?: string }
  /** Reconnect with the usual backoff (1006, 1011, 1012, 1013 …). */
  | { action: 'retry' }

const DEFAULT_WAIT_MS = 5000

/** retryAfterMs reads the wait out of a 4429 close reason. */
export function retryAfterMs(reason: string): number {
  const m = /retry in (\d+) s/.exec(reason)
  const s = m ? Number(m[1]) : NaN
  return Number.isFinite(s) && s > 0 ? Math.min(s, 300) * 1000 : DEFAULT_WAIT_MS
}

export function afterClose(code: number, reason = ''): AfterClose {
  switch (code) {
    case CLOSE_TOKEN_EXPIRED:
      return { action: 'refresh' }
    case CLOSE_RATE_LIMITED: {
      const ms = retryAfterMs(reason)
      return {
        action: 'wait',
        ms,
        message: `You are sending changes faster than the server accepts. Reconnecting in ${Math.round(ms / 1000)} s; your edits are kept.`,
      }
    }
    case CLOSE_TOO_LARGE:
      return {
        action: 'stop',
        message: `Your last change was not shared: ${reason || 'it is too large'}. Changes are limited to 256 KiB and the shared code to 100 KiB. Reload the page to continue from the shared copy.`,
      }
  }
  if (code >= 4400 && code < 4500) return { action: 'stop' }
  return { action: 'retry' }
}
