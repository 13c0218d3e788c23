// A mock interview's shared clock and roles (collaboration-service).
import { api } from '../../api/client'
import type { Question } from '../questions/api'

export interface Interview {
  session_id: string
  /** The current phase's question. */
  question_id?: string
  phase: 1 | 2
  status: 'running' | 'over'
  end_reason?: 'time' | 'left'
  interviewer_id: string
  candidate_id: string
  your_role?: 'interviewer' | 'candidate'
  phase_started_at: string
  phase_ends_at: string
  phase_seconds: number
  swap_votes: string[]
  ended_at?: string
  server_time: string
}

const P = '/collaboration-service-api'

/** SessionQuestion is a question as the caller's role in the session allows. */
export type SessionQuestion = Omit<Question, 'hints'> & {
  /** Absent for the candidate of a running mock interview. */
  hints?: string[]
  role: '' | 'interviewer' | 'candidate'
  hints_hidden: boolean
  interviewer_notes?: string[]
}

export const fetchSessionQuestion = (sessionId: string) =>
  api.get<SessionQuestion>(`${P}/sessions/${encodeURIComponent(sessionId)}/question`)

export const fetchInterview = (sessionId: string) => api.get<Interview>(`${P}/sessions/${encodeURIComponent(sessionId)}/interview`)
export const voteSwap = (sessionId: string) => api.post<Interview>(`${P}/sessions/${encodeURIComponent(sessionId)}/interview/swap`)

/** isInterviewMessage tells a control message carrying an interview state from anything else. */
export function isInterviewMessage(m: unknown, sessionId: string): m is Interview & { type: 'interview' } {
  if (typeof m !== 'object' || m === null) return false
  const x = m as Record<string, unknown>
  return x.type === 'interview' && x.session_id === sessionId && (x.phase === 1 || x.phase === 2) && typeof x.phase_ends_at === 'string'
}

/** clockOffset is how far the server's clock is ahead of ours, from a state read at receivedAt. */
export function clockOffset(i: Interview, receivedAt: number): number {
  const server = Date.parse(i.server_time)
  return Number.isNaN(server) ? 0 : server - receivedAt
}

/** remainingMs is the phase's time left at our time now, in server time. */
export function remainingMs(i: Interview, offset: number, now: number): number {
  if (i.status !== 'running') return 0
  return Math.max(0, Date.parse(i.phase_ends_at) - (now + offset))
}
