import type { ReactNode } from 'react'
import { NotFoundPage } from '../../app/NotFoundPage'
import { useMe } from '../auth/useAuth'

/** RequireAdmin shows admins the page and everyone else the not-found page: the admin pages are not revealed. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const me = useMe()
  return me.role === 'admin' ? children : <NotFoundPage />
}
