// Chat state as a pure reducer: messages in server order (by id), your
// own messages pending until the server echoes them (matched by
// client_id), nothing shown twice however often a page or frame repeats.

export interface ChatMessage {
  id: string
  client_id: string
  from: { id: string; username: string }
  text: string
  sent_at: string
}

export interface Pending {
  client_id: string
  text: string
  /** Set when the server refused this message for good. */
  error?: string
}

export interface ChatState {
  messages: ChatMessage[]
  pending: Pending[]
  /** Older history exists before messages[0]. */
  hasMore: boolean
  nextBefore?: string
  /** Whether the partner has a chat socket open, by user id. */
  present: Record<string, boolean>
  loadingOlder: boolean
}

export type ChatAction =
  | { type: 'received'; message: ChatMessage }
  | { type: 'page'; items: ChatMessage[]; hasMore: boolean; nextBefore?: string; older: boolean }
  | { type: 'send'; clientId: string; text: string }
  | { type: 'refused'; clientId: string; message: string }
  | { type: 'discard'; clientId: string }
  | { type: 'presence'; userId: string; state: 'joined' | 'left' }
  | { type: 'loadingOlder'; on: boolean }
  | { type: 'disconnected' }

export const initialChat: ChatState = { messages: [], pending: [], hasMore: false, present: {}, loadingOlder: false }

/** compareIds orders the server's "<ms>-<seq>" ids numerically. */
export function compareIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-')
  const [bm, bs = '0'] = b.split('-')
  const d = Number(am) - Number(bm)
  if (d !== 0 && Number.isFinite(d)) return d
  const e = Number(as) - Number(bs)
  if (e !== 0 && Number.isFinite(e)) return e
  return a < b ? -1 : a > b ? 1 : 0
}

/** merge adds messages, keeping server order and one copy of each id. */
export function merge(list: ChatMessage[], add: ChatMessage[]): ChatMessage[] {
  if (add.length === 0) return list
  const byId = new Map(list.map((m) => [m.id, m]))
  let changed = false
  for (const m of add) {
    if (!byId.has(m.id)) {
      byId.set(m.id, m)
      changed = true
    }
  }
  if (!changed) return list
  return [...byId.values()].sort((a, b) => compareIds(a.id, b.id))
}

function settle(pending: Pending[], echoed: ChatMessage[]): Pending[] {
  const ids = new Set(echoed.map((m) => m.client_id))
  const next = pending.filter((p) => !ids.has(p.client_id))
  return next.length === pending.length ? pending : next
}

export function chatReducer(s: ChatState, a: ChatAction): ChatState {
  switch (a.type) {
    case 'received': {
      const messages = merge(s.messages, [a.message])
      const pending = settle(s.pending, [a.message])
      return messages === s.messages && pending === s.pending ? s : { ...s, messages, pending }
    }
    case 'page': {
      const messages = merge(s.messages, a.items)
      const pending = settle(s.pending, a.items)
      const older = a.older || s.messages.length === 0
      return {
        ...s,
        messages,
        pending,
        hasMore: older ? a.hasMore : s.hasMore,
        nextBefore: older ? a.nextBefore : s.nextBefore,
        loadingOlder: a.older ? false : s.loadingOlder,
      }
    }
    case 'send':
      if (s.pending.some((p) => p.client_id === a.clientId)) return s
      return { ...s, pending: [...s.pending, { client_id: a.clientId, text: a.text }] }
    case 'refused':
      return { ...s, pending: s.pending.map((p) => (p.client_id === a.clientId ? { ...p, error: a.message } : p)) }
    case 'discard':
      return { ...s, pending: s.pending.filter((p) => p.client_id !== a.clientId) }
    case 'presence':
      return { ...s, present: { ...s.present, [a.userId]: a.state === 'joined' } }
    case 'loadingOlder':
      return { ...s, loadingOlder: a.on }
    case 'disconnected':
      // Presence is unknown until the socket is back and told again.
      return { ...s, present: {} }
  }
}

/** toResend lists the messages to send again after a reconnect, same client_id. */
export function toResend(s: ChatState): Pending[] {
  return s.pending.filter((p) => !p.error)
}

/** newClientId is a v4 UUID (crypto.randomUUID needs a secure context). */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
