import type { ReactNode } from 'react'
import { Navigate, useLocation } from 'react-router'
import { api } from '../../api/client'
import { ErrorMessage, Loading } from '../../ui/Alert'
import { useAuth } from './useAuth'

/** RequireAuth shows its children to a signed-in user and sends anyone else to sign in, coming back here after. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const auth = useAuth()
  const loc = useLocation()
  switch (auth.status) {
    case 'loading':
      return (
        <main id="main" className="page page-narrow">
          <Loading label="Restoring your session…" />
        </main>
      )
    case 'error':
      return (
        <main id="main" className="page page-narrow">
          <h1>PeerPrep</h1>
          <ErrorMessage error={auth.error} onRetry={() => void api.restore()} title="We could not restore your session" />
        </main>
      )
    case 'signedOut': {
      const next = loc.pathname + loc.search
      const params = new URLSearchParams({ next })
      if (auth.reason === 'expired') params.set('expired', '1')
      return <Navigate to={`/sign-in?${params}`} replace />
    }
    case 'signedIn':
      return <>{children}</>
  }
}
