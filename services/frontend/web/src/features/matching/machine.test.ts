import { describe, expect, it } from 'vitest'
import { initialMatch, matchReducer, type MatchAction, type MatchState } from './machine'

const criteria = { difficulty: 'easy', topic: 'arrays', language: 'python' }
const created = {
  ticket_id: 't1',
  status: 'queued' as const,
  queued_at: '2026-01-01T00:00:00Z',
  expires_at: '2026-01-01T00:00:30Z',
}
const matched = {
  type: 'matched',
  ticket_id: 't1',
  match_id: 'm1',
  session_id: 's1',
  question_id: 'q1',
  partner: { id: 'u2', username: 'bob' },
}

function run(...actions: MatchAction[]): MatchState {
  return actions.reduce(matchReducer, initialMatch)
}

describe('matching state machine', () => {
  it('submitting then the 202 puts the user in the queue with the server times', () => {
    const s = run({ type: 'submit', criteria }, { type: 'created', ticket: created, now: 0 })
    expect(s).toMatchObject({ phase: 'queued', ticketId: 't1', criteria, cancelling: false })
    if (s.phase !== 'queued') throw new Error()
    expect(s.expiresAt - s.queuedAt).toBe(30_000)
  })

  it('a double submit never asks for a second ticket', () => {
    const once = run({ type: 'submit', criteria })
    expect(matchReducer(once, { type: 'submit', criteria })).toBe(once)
    const queued = matchReducer(once, { type: 'created', ticket: created, now: 0 })
    expect(matchReducer(queued, { type: 'submit', criteria })).toBe(queued)
  })

  it('a match pushed by the socket lands the user in the session', () => {
    const s = run({ type: 'submit', criteria }, { type: 'created', ticket: created, now: 0 }, { type: 'event', event: matched })
    expect(s).toMatchObject({ phase: 'matched', match: { session_id: 's1', partner: { username: 'bob' } } })
  })

  it('a mock-interview match keeps the mode and the first role', () => {
    const s = run(
      { type: 'submit', criteria: { ...criteria, mode: 'mock' } },
      { type: 'created', ticket: created, now: 0 },
      { type: 'event', event: { ...matched, mode: 'mock', role: 'interviewer' } },
    )
    expect(s).toMatchObject({ phase: 'matched', match: { session_id: 's1', mode: 'mock', role: 'interviewer' } })
  })

  it('the server saying the criteria were relaxed is shown, and stays so', () => {
    const q = run({ type: 'submit', criteria }, { type: 'created', ticket: created, now: 0 })
    expect(q).toMatchObject({ phase: 'queued', relaxed: false })
    const r = matchReducer(q, { type: 'event', event: { type: 'queued', ticket_id: 't1', relaxed: true } })
    expect(r).toMatchObject({ phase: 'queued', relaxed: true })
    // A late poll of the state before relaxing does not take it back.
    expect(matchReducer(r, { type: 'event', event: { type: 'queued', ticket_id: 't1', relaxed: false } })).toMatchObject({ relaxed: true })
    const polled = run({ type: 'polled', ticket: { ...created, criteria, relaxed: true } })
    expect(polled).toMatchObject({ phase: 'queued', relaxed: true })
  })

  it('events that arrive before the POST answers are applied once the ticket id is known', () => {
    const s = run(
      { type: 'submit', criteria },
      { type: 'event', event: { type: 'queued', ticket_id: 't1' } },
      { type: 'event', event: matched },
      { type: 'created', ticket: created, now: 0 },
    )
    expect(s).toMatchObject({ phase: 'matched', match: { session_id: 's1' } })
  })

  it('events about another ticket are ignored while queued', () => {
    const q = run({ type: 'submit', criteria }, { type: 'created', ticket: created, now: 0 })
    expect(matchReducer(q, { type: 'event', event: { ...matched, ticket_id: 'old' } })).toBe(q)
    expect(matchReducer(q, { type: 'event', event: { type: 'cancelled', ticket_id: 'old' } })).toBe(q)
  })

  it('timeout offers to try again with the same criteria', () => {
    const s = run({ type: 'submit', criteria }, { type: 'created', ticket: created, now: 0 }, { type: 'event', event: { type: 'timeout', ticket_id: 't1' } })
    expect(s).toMatchObject({ phase: 'timeout', criteria })
    expect(matchReducer(s, { type: 'submit', criteria })).toMatchObject({ phase: 'requesting', criteria })
  })

  it('failed carries the reason', () => {
    const s = run(
      { type: 'submit', criteria },
      { type: 'created', ticket: created, now: 0 },
      { type: 'event', event: { type: 'failed', ticket_id: 't1', reason: 'no question for this topic' } },
    )
    expect(s).toMatchObject({ phase: 'failed', reason: 'no question for this topic' })
  })

  it('cancel waits for the server and a failed cancel keeps the ticket', () => {
    const q = run({ type: 'submit', criteria }, { type: 'created', ticket: created, now: 0 }, { type: 'cancel' })
    expect(q).toMatchObject({ phase: 'queued', cancelling: true })
    expect(matchReducer(q, { type: 'cancelFailed' })).toMatchObject({ phase: 'queued', cancelling: false })
    expect(matchReducer(q, { type: 'event', event: { type: 'cancelled', ticket_id: 't1' } })).toMatchObject({ phase: 'cancelled' })
  })

  it('a reload resumes a queued ticket from the poll or the socket, but not an old result', () => {
    const ticket = { ...created, status: 'queued' as const, criteria }
    expect(run({ type: 'polled', ticket })).toMatchObject({ phase: 'queued', ticketId: 't1', criteria })
    expect(run({ type: 'event', event: { type: 'queued', ticket_id: 't9', criteria } })).toMatchObject({ phase: 'queued', ticketId: 't9' })
    expect(run({ type: 'event', event: matched })).toEqual(initialMatch)
    expect(run({ type: 'polled', ticket: { ...ticket, status: 'timeout' } })).toEqual(initialMatch)
  })

  it('a poll finds the match when the socket is down', () => {
    const s = run(
      { type: 'submit', criteria },
      { type: 'created', ticket: created, now: 0 },
      { type: 'polled', ticket: { ...created, status: 'matched', criteria, match: { match_id: 'm1', session_id: 's1', question_id: 'q1', partner: { id: 'u2', username: 'bob' } } } },
    )
    expect(s).toMatchObject({ phase: 'matched', match: { session_id: 's1' } })
  })

  it('a queued ticket that vanished fails with words, and a stale queued poll does not revive it', () => {
    const s = run({ type: 'submit', criteria }, { type: 'created', ticket: created, now: 0 }, { type: 'polled', ticket: null })
    expect(s).toMatchObject({ phase: 'failed' })
    if (s.phase !== 'failed') throw new Error()
    expect(s.reason).toMatch(/lost/)
    expect(matchReducer(s, { type: 'polled', ticket: { ...created, criteria } })).toBe(s)
  })

  it('a failed POST shows the error and allows another try', () => {
    const s = run({ type: 'submit', criteria }, { type: 'createFailed', error: new Error('x') })
    expect(s).toMatchObject({ phase: 'error', criteria })
    expect(matchReducer(s, { type: 'submit', criteria }).phase).toBe('requesting')
  })
})
