// The state of one live connection (a WebSocket that reconnects), as a
// small pure reducer shared by the matching, chat and editor sockets.

export type ConnStatus = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed'

export interface ConnState {
  status: ConnStatus
  /** Failed attempts since the last successful open. */
  attempts: number
  everOpened: boolean
  online: boolean
  /** The close code that ended the connection for good. */
  closeCode?: number
}

export type ConnAction =
  | { type: 'connecting' }
  | { type: 'open' }
  | { type: 'closed'; code?: number; permanent?: boolean }
  | { type: 'online' }
  | { type: 'offline' }

export const initialConn = (online = true): ConnState => ({
  status: online ? 'connecting' : 'offline',
  attempts: 0,
  everOpened: false,
  online,
})

export function connReducer(s: ConnState, a: ConnAction): ConnState {
  if (s.status === 'closed') return s
  switch (a.type) {
    case 'connecting':
      if (!s.online) return { ...s, status: 'offline' }
      return { ...s, status: s.everOpened || s.attempts > 0 ? 'reconnecting' : 'connecting' }
    case 'open':
      return { ...s, status: 'open', attempts: 0, everOpened: true, online: true }
    case 'closed':
      if (a.permanent) return { ...s, status: 'closed', closeCode: a.code }
      return { ...s, attempts: s.attempts + 1, status: s.online ? 'reconnecting' : 'offline' }
    case 'offline':
      return { ...s, online: false, status: s.status === 'open' ? 'open' : 'offline' }
    case 'online':
      return { ...s, online: true, status: s.status === 'offline' ? 'reconnecting' : s.status }
  }
}

/** backoff is the wait before reconnect attempt n (1-based): 0.25 s doubling to 10 s, with jitter. */
export function backoff(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(10_000, 250 * 2 ** Math.max(0, attempts - 1))
  return Math.round(base * (0.75 + random() * 0.5))
}
