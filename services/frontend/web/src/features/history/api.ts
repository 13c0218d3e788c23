import { api } from '../../api/client'
import { useQuery } from '../../api/query'

export interface Attempt {
  id: string
  session_id: string
  user_id: string
  question: {
    id: string
    title: string | null
    slug: string | null
    difficulty: string | null
    topics: string[]
    snapshot: string
  }
  partner: { id: string; username: string | null }
  language: string
  code: string
  started_at: string
  ended_at: string
  duration_seconds: number
  created_at: string
  /** The caller's role for this question of a mock interview; null (or absent, from an older server) otherwise. */
  role?: 'interviewer' | 'candidate' | null
}

export interface AttemptPage {
  items: Attempt[]
  next_cursor: string | null
}

const P = '/history-service-api'

/** AttemptFilter narrows the list; empty fields do not filter. from/to are days YYYY-MM-DD, inclusive. */
export interface AttemptFilter {
  question_id?: string
  difficulty?: string
  topic?: string
  from?: string
  to?: string
}

/** timeZone is the browser's IANA zone, in which the API reads days. */
export function timeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

export function attemptsQuery(f: AttemptFilter, cursor?: string, limit = 20): string {
  const q = new URLSearchParams({ limit: String(limit) })
  for (const k of ['question_id', 'difficulty', 'topic', 'from', 'to'] as const) {
    const v = f[k]
    if (v) q.set(k, v)
  }
  if (f.from || f.to) q.set('tz', timeZone())
  if (cursor) q.set('cursor', cursor)
  return `${P}/attempts?${q.toString()}`
}

export const fetchAttempts = (cursor?: string, f: AttemptFilter = {}, limit = 20) => api.get<AttemptPage>(attemptsQuery(f, cursor, limit))

export interface Stats {
  total: number
  distinct_questions: number
  by_difficulty: Record<string, number>
  by_topic: Record<string, number>
  by_day: { date: string; count: number }[]
  time_zone: string
  current_streak: number
  longest_streak: number
  /** Sessions you never joined (only ever your own count). */
  no_shows?: number
}

export const fetchStats = () => api.get<Stats>(`${P}/stats?tz=${encodeURIComponent(timeZone())}`)

export function useStats() {
  return useQuery('stats', fetchStats, { staleMs: 30_000 })
}

export const fetchAttemptedQuestions = () => api.get<{ question_ids: string[] }>(`${P}/attempted-questions`)

export function useAttemptedQuestions() {
  return useQuery('attempted-questions', fetchAttemptedQuestions, { staleMs: 60_000 })
}
export const fetchAttempt = (id: string) => api.get<Attempt>(`${P}/attempts/${encodeURIComponent(id)}`)

/** attemptForSession finds the caller's attempt of a session, once history has recorded it. */
export async function attemptForSession(sessionId: string): Promise<Attempt | null> {
  const page = await api.get<AttemptPage>(`${P}/attempts?session_id=${encodeURIComponent(sessionId)}&limit=20`)
  // Filtered again here in case the service ignores session_id.
  return page.items.find((a) => a.session_id === sessionId) ?? null
}

export function useAttempt(id: string | undefined) {
  return useQuery(id ? `attempt:${id}` : null, () => fetchAttempt(id!), { staleMs: 60_000 })
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const r = s % 60
  if (h > 0) return `${h} h ${m} min`
  if (m > 0) return `${m} min ${r} s`
  return `${r} s`
}
