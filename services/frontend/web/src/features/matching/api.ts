import { api } from '../../api/client'

export interface Criteria {
  difficulty: string
  topic: string
  language?: string
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
}

export type TicketStatus = 'queued' | 'matched' | 'timeout' | 'cancelled' | 'failed'

/** Ticket is GET /tickets/current. */
export interface Ticket {
  ticket_id: string
  status: TicketStatus
  criteria: Criteria
  queued_at: string
  expires_at: string
  match?: MatchInfo
  reason?: string
}

export interface CreatedTicket {
  ticket_id: string
  status: 'queued'
  expires_at: string
  queued_at?: string
  criteria?: Criteria
}

const P = '/matching-service-api'

export const createTicket = (c: Criteria) =>
  api.post<CreatedTicket>(`${P}/tickets`, { difficulty: c.difficulty, topic: c.topic, language: c.language || null })
export const currentTicket = () => api.get<Ticket>(`${P}/tickets/current`)
export const cancelTicket = () => api.del<Ticket | undefined>(`${P}/tickets/current`)
export const MATCHING_WS_PATH = `${P}/ws`
