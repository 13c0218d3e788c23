import { describe, expect, it } from 'vitest'
import { chatReducer, compareIds, initialChat, toResend, type ChatAction, type ChatMessage, type ChatState } from './chat'

const msg = (id: string, client_id: string, text = client_id): ChatMessage => ({
  id,
  client_id,
  text,
  from: { id: 'u1', username: 'alice' },
  sent_at: '2026-01-01T00:00:00.000Z',
})

const run = (...a: ChatAction[]): ChatState => a.reduce(chatReducer, initialChat)

describe('chat ordering and deduplication', () => {
  it('orders ids numerically, not as strings', () => {
    expect(compareIds('999-0', '1000-0')).toBeLessThan(0)
    expect(compareIds('1000-2', '1000-10')).toBeLessThan(0)
    expect(compareIds('1000-1', '1000-1')).toBe(0)
  })

  it('shows messages in server order whatever order they arrive in', () => {
    const s = run(
      { type: 'received', message: msg('1700000000002-0', 'c') },
      { type: 'received', message: msg('1700000000001-5', 'b') },
      { type: 'received', message: msg('1700000000001-10', 'b2') },
      { type: 'page', items: [msg('1699999999999-0', 'a')], hasMore: false, older: true },
    )
    expect(s.messages.map((m) => m.client_id)).toEqual(['a', 'b', 'b2', 'c'])
  })

  it('a pending message is replaced by its echo with the same client_id', () => {
    const sent = run({ type: 'send', clientId: 'k1', text: 'hello' })
    expect(sent.pending).toEqual([{ client_id: 'k1', text: 'hello' }])
    const echoed = chatReducer(sent, { type: 'received', message: msg('5-0', 'k1', 'hello') })
    expect(echoed.pending).toEqual([])
    expect(echoed.messages.map((m) => m.text)).toEqual(['hello'])
  })

  it('a resend after a reconnect leaves one copy even when the server saw both', () => {
    let s = run({ type: 'send', clientId: 'k1', text: 'hello' })
    expect(toResend(s).map((p) => p.client_id)).toEqual(['k1'])
    // The first send was stored, the socket dropped before the echo, the
    // history page after reconnecting has it, then the resend is echoed
    // again with the same id.
    s = chatReducer(s, { type: 'disconnected' })
    s = chatReducer(s, { type: 'page', items: [msg('5-0', 'k1', 'hello')], hasMore: false, older: false })
    s = chatReducer(s, { type: 'received', message: msg('5-0', 'k1', 'hello') })
    expect(s.messages).toHaveLength(1)
    expect(s.pending).toHaveLength(0)
  })

  it('the same client_id is not queued twice', () => {
    const s = run({ type: 'send', clientId: 'k1', text: 'a' }, { type: 'send', clientId: 'k1', text: 'a' })
    expect(s.pending).toHaveLength(1)
  })

  it('a refused message is kept with its reason and not resent', () => {
    const s = run({ type: 'send', clientId: 'k1', text: 'x' }, { type: 'refused', clientId: 'k1', message: 'text too long' })
    expect(s.pending[0].error).toBe('text too long')
    expect(toResend(s)).toEqual([])
  })

  it('older pages keep the cursor of the oldest page; a refetch of the newest does not', () => {
    let s = run({ type: 'page', items: [msg('10-0', 'j'), msg('11-0', 'k')], hasMore: true, nextBefore: '10-0', older: false })
    expect(s).toMatchObject({ hasMore: true, nextBefore: '10-0' })
    s = chatReducer(s, { type: 'page', items: [msg('11-0', 'k'), msg('12-0', 'l')], hasMore: true, nextBefore: '11-0', older: false })
    expect(s.nextBefore).toBe('10-0')
    s = chatReducer(s, { type: 'page', items: [msg('9-0', 'i')], hasMore: false, older: true })
    expect(s).toMatchObject({ hasMore: false })
    expect(s.messages.map((m) => m.client_id)).toEqual(['i', 'j', 'k', 'l'])
  })

  it('presence follows joined and left', () => {
    const s = run({ type: 'presence', userId: 'u2', state: 'joined' })
    expect(s.present.u2).toBe(true)
    expect(chatReducer(s, { type: 'presence', userId: 'u2', state: 'left' }).present.u2).toBe(false)
  })
})
