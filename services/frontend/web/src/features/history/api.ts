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
}

export interface AttemptPage {
  items: Attempt[]
  next_cursor: string | null
}

const P = '/history-service-api'

export const fetchAttempts = (cursor?: string) =>
  api.get<AttemptPage>(`${P}/attempts?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
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
