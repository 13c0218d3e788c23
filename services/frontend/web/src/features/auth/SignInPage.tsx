import { useEffect, useRef, useState, type FormEvent } from 'react'
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router'
import { api } from '../../api/client'
import { ApiError } from '../../api/errors'
import { Alert, ErrorMessage, Loading } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { TextField } from '../../ui/Field'
import { safeNext, useAuth } from './useAuth'

export function SignInPage() {
  const auth = useAuth()
  const [params] = useSearchParams()
  const navigate = useNavigate()
  const next = safeNext(params.get('next'))
  const [identifier, setIdentifier] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const heading = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    document.title = 'Sign in · PeerPrep'
  }, [])

  if (auth.status === 'loading') {
    return (
      <main id="main" className="page page-narrow">
        <Loading label="Restoring your session…" />
      </main>
    )
  }
  if (auth.status === 'signedIn' && !busy) return <Navigate to={next} replace />

  const fields = error instanceof ApiError ? error.fieldErrors() : {}

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await api.signIn({ identifier: identifier.trim(), password })
      navigate(next, { replace: true })
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }

  return (
    <main id="main" className="page page-narrow">
      <h1 ref={heading}>Sign in to PeerPrep</h1>
      {params.get('expired') && !error && (
        <Alert tone="warning">
          <p>Your session has expired. Sign in again to continue where you were.</p>
        </Alert>
      )}
      {auth.status === 'signedOut' && auth.reason === 'signedOut' && !error && (
        <Alert tone="success">
          <p>You have signed out.</p>
        </Alert>
      )}
      {error != null && <ErrorMessage error={error} title="Sign-in failed" />}
      <form onSubmit={submit} noValidate className="form" aria-label="Sign in">
        <TextField
          label="Email or username"
          name="identifier"
          autoComplete="username"
          required
          value={identifier}
          onChange={(e) => setIdentifier(e.target.value)}
          error={fields.identifier}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={fields.password}
        />
        <Button type="submit" busy={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
      <p>
        New here? <Link to={`/sign-up${params.get('next') ? `?next=${encodeURIComponent(next)}` : ''}`}>Create an account</Link>
      </p>
    </main>
  )
}
