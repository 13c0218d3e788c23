import { api } from '../../api/client'

/** practise: two people solve one question; mock: a mock interview. */
export type Mode = 'practise' | 'mock'

export interface Criteria {
  difficulty: string
  topic: string
  language?: string
  /** Absent means practise (tickets from before modes). */
  mode?: Mode
  /** Mock interviews: ask to start as the interviewer. */
  start_as_interviewer?: boolean
}

export interface Partner {
  id: string
  username: string
}

export interface MatchInfo {
  match_id: string
  session_id: string
  question_id: string
  partner: Partner
  mode?: Mode
  /** Mock interviews: the user's first role. */
  role?: 'interviewer' | 'candidate'
}

export type TicketStatus = 'queued' | 'matched' | 'timeout' | 'cancelled' | 'failed'

/** Ticket is GET /tickets/current. */
export interface Ticket {
  ticket_id: string
  status: TicketStatus
  criteria: Criteria
  queued_at: string
  expires_at: string
  /** The ticket may now match any difficulty of its topic. */
  relaxed?: boolean
  match?: MatchInfo
  reason?: string
}

export interface CreatedTicket {
  ticket_id: string
  status: 'queued'
  expires_at: string
  queued_at?: string
  criteria?: Criteria
  relaxed?: boolean
}

const P = '/matching-service-api'

export const createTicket = (c: Criteria) =>
  api.post<CreatedTicket>(`${P}/tickets`, {
    difficulty: c.difficulty,
    topic: c.topic,
    language: c.language || null,
    mode: c.mode ?? 'practise',
    ...(c.mode === 'mock' && c.start_as_interviewer ? { start_as_interviewer: true } : {}),
  })
export const currentTicket = () => api.get<Ticket>(`${P}/tickets/current`)
export const cancelTicket = () => api.del<Ticket | undefined>(`${P}/tickets/current`)
export const MATCHING_WS_PATH = `${P}/ws`
