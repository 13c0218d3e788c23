import { api } from '../../api/client'
import type { Mode, Ticket } from '../matching/api'

const P = '/matching-service-api/invites'

export type InviteStatus = 'open' | 'used' | 'cancelled' | 'expired'

/** Invite is an invitation to a private session, as matching-service shows it. */
export interface Invite {
  id: string
  code: string
  path: string
  inviter: { id: string; username: string }
  question: { id: string; title: string } | null
  topic: string
  difficulty: string
  language: string
  mode: Mode
  inviter_role?: 'interviewer' | 'candidate'
  status: InviteStatus
  created_at: string
  expires_at: string
  your_invite: boolean
}

/** NewInvite is POST /invites: a question, or a topic and difficulty. */
export interface NewInvite {
  question_id?: string
  topic?: string
  difficulty?: string
  language: string
  mode: Mode
  inviter_role?: 'interviewer' | 'candidate'
}

export const createInvite = (n: NewInvite) => api.post<Invite>(P, n)
export const readInvite = (code: string) => api.get<Invite>(`${P}/${encodeURIComponent(code)}`)
export const cancelInvite = (code: string) => api.del<Invite>(`${P}/${encodeURIComponent(code)}`)
/** acceptInvite answers the caller's ticket: matched (with its session) or, while the session is set up, still waiting. */
export const acceptInvite = (code: string) => api.post<Ticket>(`${P}/${encodeURIComponent(code)}/accept`)

/** inviteLink is the address to send a friend. */
export const inviteLink = (inv: Pick<Invite, 'code'>, origin = window.location.origin) => `${origin}/invite/${inv.code}`

/** yourRole is the friend's first role in a mock interview ("" in practise). */
export function friendRole(inv: Pick<Invite, 'mode' | 'inviter_role'>): '' | 'interviewer' | 'candidate' {
  if (inv.mode !== 'mock') return ''
  return inv.inviter_role === 'candidate' ? 'interviewer' : 'candidate'
}
