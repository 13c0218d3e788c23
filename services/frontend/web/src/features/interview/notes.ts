import { api } from '../../api/client'

export interface PrivateNotes {
  session_id: string
  notes: string
  updated_at: string | null
}

/** MAX_NOTES is the server's limit, in characters. */
export const MAX_NOTES = 10000

const path = (sessionId: string) => `/history-service-api/sessions/${encodeURIComponent(sessionId)}/notes`

export const fetchNotes = (sessionId: string) => api.get<PrivateNotes>(path(sessionId))
export const saveNotes = (sessionId: string, notes: string) => api.put<PrivateNotes>(path(sessionId), { notes })
