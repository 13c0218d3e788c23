// Feedback between the two participants of a session (history-service):
// give or edit it, read what was given and received, averages, reminders.
import { api } from '../../api/client'
import { invalidate, useQuery } from '../../api/query'

export interface Ratings {
  problem_solving: number
  communication: number
  code_quality: number
}

export interface GivenFeedback extends Ratings {
  session_id: string
  rated_id: string
  comment: string
  created_at: string
  updated_at: string
  editable_until: string
}

export interface ReceivedFeedback extends Ratings {
  session_id: string
  author_id: string
  comment: string
  updated_at: string
}

export interface Exchange {
  session_id: string
  given: GivenFeedback | null
  received: ReceivedFeedback | null
}

export interface FeedbackSummary {
  count: number
  averages: (Ratings & { overall: number }) | null
}

export interface PendingFeedback {
  session_id: string
  attempt_id: string
  partner: { id: string; username: string | null }
  question_title: string | null
  ended_at: string
}

export type FeedbackInput = Ratings & { comment: string }

/** The three ratings, in the order the form and the views show them. */
export const CRITERIA: { key: keyof Ratings; label: string }[] = [
  { key: 'problem_solving', label: 'Problem solving' },
  { key: 'communication', label: 'Communication' },
  { key: 'code_quality', label: 'Code quality' },
]

/** MAX_COMMENT is the server's comment limit, in characters. */
export const MAX_COMMENT = 1000

const P = '/history-service-api'
const exchangeKey = (sessionId: string) => `feedback:session:${sessionId}`

export const fetchExchange = (sessionId: string) => api.get<Exchange>(`${P}/sessions/${encodeURIComponent(sessionId)}/feedback`)

export function useExchange(sessionId: string | undefined) {
  return useQuery(sessionId ? exchangeKey(sessionId) : null, () => fetchExchange(sessionId!), { staleMs: 10_000 })
}

export function usePendingFeedback() {
  return useQuery('feedback:pending', () => api.get<{ items: PendingFeedback[] }>(`${P}/feedback/pending`), { staleMs: 30_000 })
}

export function useFeedbackSummary() {
  return useQuery('feedback:summary', () => api.get<FeedbackSummary>(`${P}/feedback/received/summary`), { staleMs: 60_000 })
}

/** giveFeedback creates or edits the caller's feedback and refreshes what shows it. */
export async function giveFeedback(sessionId: string, input: FeedbackInput): Promise<GivenFeedback> {
  const f = await api.put<GivenFeedback>(`${P}/sessions/${encodeURIComponent(sessionId)}/feedback`, input)
  invalidate(exchangeKey(sessionId))
  invalidate('feedback:pending')
  return f
}

/** commentLength counts characters as the server does (code points, not UTF-16 units). */
export function commentLength(s: string): number {
  return [...s.trim()].length
}
