// The matching flow as a pure reducer: what the page shows, driven by the
// user's actions, the answers to POST/DELETE /tickets, the socket's events
// and polls of /tickets/current.
import type { CreatedTicket, Criteria, MatchInfo, Ticket } from './api'

/** ServerEvent is a frame of GET /matching-service-api/ws. */
export interface ServerEvent {
  type: string
  ticket_id?: string
  criteria?: Criteria
  queued_at?: string
  expires_at?: string
  /** queued: the ticket may now match any difficulty of its topic. */
  relaxed?: boolean
  match_id?: string
  session_id?: string
  question_id?: string
  partner?: { id: string; username: string }
  /** matched: the session's mode, and in a mock interview the user's first role. */
  mode?: MatchInfo['mode']
  role?: MatchInfo['role']
  reason?: string
}

export type MatchState =
  | { phase: 'idle' }
  | { phase: 'requesting'; criteria: Criteria; early: ServerEvent[] }
  | { phase: 'queued'; ticketId: string; criteria: Criteria; queuedAt: number; expiresAt: number; relaxed: boolean; cancelling: boolean }
  | { phase: 'matched'; ticketId: string; match: MatchInfo }
  | { phase: 'timeout'; criteria: Criteria; ticketId?: string }
  | { phase: 'cancelled'; criteria: Criteria; ticketId?: string }
  | { phase: 'failed'; reason: string; criteria?: Criteria; ticketId?: string }
  | { phase: 'error'; error: unknown; criteria: Criteria }

export type MatchAction =
  | { type: 'submit'; criteria: Criteria }
  | { type: 'created'; ticket: CreatedTicket; now: number }
  | { type: 'createFailed'; error: unknown }
  | { type: 'event'; event: ServerEvent }
  | { type: 'polled'; ticket: Ticket | null }
  | { type: 'cancel' }
  | { type: 'cancelFailed' }
  | { type: 'reset' }

export const initialMatch: MatchState = { phase: 'idle' }

const LOST = 'Your place in the queue was lost. Please try again.'

/** ticketEvent turns a polled ticket into the event the socket would have sent. */
export function ticketEvent(t: Ticket): ServerEvent {
  return {
    type: t.status,
    ticket_id: t.ticket_id,
    criteria: t.criteria,
    queued_at: t.queued_at,
    expires_at: t.expires_at,
    relaxed: t.relaxed,
    reason: t.reason,
    ...(t.match ?? {}),
  }
}

function time(s: string | undefined, fallback: number): number {
  const t = s ? Date.parse(s) : NaN
  return Number.isFinite(t) ? t : fallback
}

function criteriaOf(s: MatchState): Criteria | undefined {
  return 'criteria' in s ? s.criteria : undefined
}

/** apply moves a ticket's state on by one event about that ticket. */
function apply(s: MatchState & { phase: 'queued' }, e: ServerEvent): MatchState {
  switch (e.type) {
    case 'queued':
      return {
        ...s,
        criteria: e.criteria ?? s.criteria,
        queuedAt: time(e.queued_at, s.queuedAt),
        expiresAt: time(e.expires_at, s.expiresAt),
        relaxed: s.relaxed || e.relaxed === true, // never "unrelaxed"
      }
    case 'matched':
      if (!e.session_id) return s
      return {
        phase: 'matched',
        ticketId: s.ticketId,
        match: {
          match_id: e.match_id ?? '',
          session_id: e.session_id,
          question_id: e.question_id ?? '',
          partner: e.partner ?? { id: '', username: '' },
          ...(e.mode ? { mode: e.mode } : {}),
          ...(e.role ? { role: e.role } : {}),
        },
      }
    case 'timeout':
      return { phase: 'timeout', criteria: s.criteria, ticketId: s.ticketId }
    case 'cancelled':
      return { phase: 'cancelled', criteria: s.criteria, ticketId: s.ticketId }
    case 'failed':
      return { phase: 'failed', reason: e.reason || 'Matching failed.', criteria: s.criteria, ticketId: s.ticketId }
    default:
      return s
  }
}

function adoptQueued(e: ServerEvent, now: number): MatchState {
  return {
    phase: 'queued',
    ticketId: e.ticket_id!,
    criteria: e.criteria ?? { difficulty: '', topic: '' },
    queuedAt: time(e.queued_at, now),
    expiresAt: time(e.expires_at, now + 30_000),
    relaxed: e.relaxed === true,
    cancelling: false,
  }
}

function onEvent(s: MatchState, e: ServerEvent): MatchState {
  if (!e.ticket_id) return s
  switch (s.phase) {
    case 'requesting':
      // The ticket id is not known until POST answers: keep the events.
      return { ...s, early: [...s.early, e] }
    case 'queued':
      return e.ticket_id === s.ticketId ? apply(s, e) : e.type === 'queued' ? adoptQueued(e, Date.now()) : s
    case 'matched':
      return e.type === 'queued' && e.ticket_id !== s.ticketId ? adoptQueued(e, Date.now()) : s
    default:
      // Idle or finished: only a live ticket (e.g. after a reload, or from
      // another tab) is taken up; an old ticket's end is history, and a
      // late "queued" of the ticket that just ended is stale.
      return e.type === 'queued' && e.ticket_id !== ('ticketId' in s ? s.ticketId : undefined) ? adoptQueued(e, Date.now()) : s
  }
}

export function matchReducer(s: MatchState, a: MatchAction): MatchState {
  switch (a.type) {
    case 'submit':
      if (s.phase === 'requesting' || s.phase === 'queued' || s.phase === 'matched') return s
      return { phase: 'requesting', criteria: a.criteria, early: [] }
    case 'created': {
      if (s.phase !== 'requesting') return s
      let next: MatchState = {
        phase: 'queued',
        ticketId: a.ticket.ticket_id,
        criteria: a.ticket.criteria ?? s.criteria,
        queuedAt: time(a.ticket.queued_at, a.now),
        expiresAt: time(a.ticket.expires_at, a.now + 30_000),
        relaxed: a.ticket.relaxed === true,
        cancelling: false,
      }
      for (const e of s.early) {
        if (e.ticket_id === a.ticket.ticket_id && next.phase === 'queued') next = apply(next, e)
      }
      return next
    }
    case 'createFailed':
      return s.phase === 'requesting' ? { phase: 'error', error: a.error, criteria: s.criteria } : s
    case 'event':
      return onEvent(s, a.event)
    case 'polled':
      if (a.ticket) return onEvent(s, ticketEvent(a.ticket))
      // No ticket at all: a queued ticket vanished.
      return s.phase === 'queued' ? { phase: 'failed', reason: LOST, criteria: s.criteria, ticketId: s.ticketId } : s
    case 'cancel':
      return s.phase === 'queued' ? { ...s, cancelling: true } : s
    case 'cancelFailed':
      return s.phase === 'queued' ? { ...s, cancelling: false } : s
    case 'reset':
      return s.phase === 'requesting' || s.phase === 'queued' ? s : { phase: 'idle' }
  }
}

/** lastCriteria is what to offer again after a timeout or failure. */
export function lastCriteria(s: MatchState): Criteria | undefined {
  return criteriaOf(s)
}

/** isLive says whether the server still holds (or is creating) a ticket. */
export function isLive(s: MatchState): boolean {
  return s.phase === 'requesting' || s.phase === 'queued'
}
