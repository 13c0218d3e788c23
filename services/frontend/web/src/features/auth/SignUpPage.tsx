import { useEffect, useState, type FormEvent } from 'react'
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router'
import { api } from '../../api/client'
import { ApiError } from '../../api/errors'
import { ErrorMessage } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { TextField } from '../../ui/Field'
import { safeNext, useAuth } from './useAuth'

export function SignUpPage() {
  const auth = useAuth()
  const [params] = useSearchParams()
  const navigate = useNavigate()
  const next = safeNext(params.get('next'))
  const [username, setUsername] = useState('')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    document.title = 'Create an account · PeerPrep'
  }, [])

  if (auth.status === 'signedIn' && !busy) return <Navigate to={next} replace />

  const fields = error instanceof ApiError ? error.fieldErrors() : {}
  // Errors the API did not tie to one of the three fields are shown above the form.
  const unplaced = error instanceof ApiError && error.details.length > 0 && error.details.every((d) => d.field in fields && ['username', 'email', 'password'].includes(d.field))

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await api.signUp({ username: username.trim(), email: email.trim(), password })
      navigate(next, { replace: true })
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }

  return (
    <main id="main" className="page page-narrow">
      <h1>Create your PeerPrep account</h1>
      {error != null &&
        (unplaced ? (
          <ErrorMessage error={new ApiError({ status: 400, code: 'validation_failed', message: 'Please fix the fields marked below.' })} />
        ) : (
          <ErrorMessage error={error} title="Sign-up failed" />
        ))}
      <form onSubmit={submit} noValidate className="form" aria-label="Create an account">
        <TextField
          label="Username"
          name="username"
          autoComplete="username"
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          hint="3–32 characters: lower-case letters, digits and _"
          error={fields.username}
        />
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fields.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint="At least 10 characters, not a common password"
          error={fields.password}
        />
        <Button type="submit" busy={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </Button>
      </form>
      <p>
        Already have an account? <Link to={`/sign-in${params.get('next') ? `?next=${encodeURIComponent(next)}` : ''}`}>Sign in</Link>
      </p>
    </main>
  )
}
