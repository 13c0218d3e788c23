import { useSyncExternalStore } from 'react'
import { api, type AuthState, type User } from '../../api/client'

/** useAuth is the current sign-in state. */
export function useAuth(): AuthState {
  return useSyncExternalStore(api.subscribe, api.getState)
}

/** useUser is the signed-in user (inside RequireAuth). */
export function useMe(): User {
  const s = useAuth()
  if (s.status !== 'signedIn') throw new Error('useMe outside a signed-in page')
  return s.user
}

/** safeNext keeps a post-sign-in destination on this site. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/'
  if (next.startsWith('/sign-in') || next.startsWith('/sign-up')) return '/'
  return next
}
