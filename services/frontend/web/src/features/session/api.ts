import { api } from '../../api/client'
import { useQuery } from '../../api/query'

export interface Session {
  id: string
  user_ids: [string, string]
  question_id: string
  language: string
  status: 'active' | 'ended'
  created_at: string
  ended_at?: string
  left_user_ids: string[]
  code: string
  code_updated_at?: string
  /** practise (absent on older servers) or mock. */
  mode?: 'practise' | 'mock'
  /** Mock interviews: who starts as the interviewer. */
  interviewer_id?: string
}

export interface PublicUser {
  id: string
  username: string
  display_name: string
}

const P = '/collaboration-service-api'

export const fetchSession = (id: string) => api.get<Session>(`${P}/sessions/${encodeURIComponent(id)}`)
export const fetchCurrentSession = () => api.get<Session>(`${P}/sessions/current`)
/** saveSnapshot stores the editor's text; questionId names the question whose document it is (a mock interview's). */
export const saveSnapshot = (id: string, code: string, language: string, questionId?: string) =>
  api.put<void>(`${P}/sessions/${encodeURIComponent(id)}/snapshot`, questionId ? { code, language, question_id: questionId } : { code, language })
export const leaveSession = (id: string) => api.post<Session>(`${P}/sessions/${encodeURIComponent(id)}/leave`)

export const fetchUser = (id: string) => api.get<PublicUser>(`/user-service-api/users/${encodeURIComponent(id)}`)

export function useSession(id: string | undefined) {
  return useQuery(id ? `session:${id}` : null, () => fetchSession(id!), { staleMs: 0 })
}

export function useUser(id: string | undefined) {
  return useQuery(id ? `user:${id}` : null, () => fetchUser(id!), { staleMs: 10 * 60_000 })
}

export function displayName(u: PublicUser | undefined, fallback = 'your partner'): string {
  if (!u) return fallback
  return u.display_name && u.display_name !== u.username ? `${u.display_name} (@${u.username})` : u.username
}

export const COLLAB_WS_BASE = `${P}/sessions`
export const chatWsPath = (sessionId: string) => `/chat-service-api/rooms/${encodeURIComponent(sessionId)}/ws`
export const chatHistoryPath = (sessionId: string) => `/chat-service-api/rooms/${encodeURIComponent(sessionId)}/messages`
