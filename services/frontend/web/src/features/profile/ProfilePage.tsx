import { useEffect, useState, type FormEvent } from 'react'
import { useNavigate } from 'react-router'
import { api, type User } from '../../api/client'
import { ApiError } from '../../api/errors'
import { clearQueries } from '../../api/query'
import { Alert, ErrorMessage } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { SelectField, TextAreaField, TextField } from '../../ui/Field'
import { useMe } from '../auth/useAuth'
import { useStats } from '../history/api'
import { LANGUAGES, languageName } from '../questions/api'

const fieldsOf = (e: unknown) => (e instanceof ApiError ? e.fieldErrors() : {})

export default function ProfilePage() {
  useEffect(() => {
    document.title = 'Profile and settings · PeerPrep'
  }, [])
  return (
    <main id="main" className="page page-narrow">
      <h1>Profile and settings</h1>
      <ProfileForm />
      <NoShows />
      <PasswordForm />
      <DeleteAccount />
    </main>
  )
}

function ProfileForm() {
  const me = useMe()
  const [displayName, setDisplayName] = useState(me.display_name ?? '')
  const [bio, setBio] = useState(me.bio ?? '')
  const [language, setLanguage] = useState(me.preferred_language ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [saved, setSaved] = useState(false)
  const f = fieldsOf(error)

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setSaved(false)
    try {
      const u = await api.request<User>('PATCH', '/user-service-api/users/me', {
        body: { display_name: displayName.trim(), bio, preferred_language: language },
      })
      api.setUser(u)
      clearQueries() // the find-a-match page reads the preferred language
      setSaved(true)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <form className="form" onSubmit={(e) => void onSubmit(e)} aria-labelledby="profile-title">
        {error != null && !Object.keys(f).length && <ErrorMessage error={error} title="Could not save your profile" />}
        <TextField label="Display name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} error={f.display_name} maxLength={64} />
        <TextAreaField label="Bio" value={bio} onChange={(e) => setBio(e.target.value)} error={f.bio} maxLength={500} />
        <SelectField
          label="Preferred language"
          value={language}
          onChange={(e) => setLanguage(e.target.value)}
          error={f.preferred_language}
          hint="Find a match starts with this language."
          options={[{ value: '', label: 'No preference' }, ...LANGUAGES.map((l) => ({ value: l, label: languageName(l) }))]}
        />
        <div aria-live="polite">{saved && <Alert tone="success">Your profile is saved.</Alert>}</div>
        <Button type="submit" busy={busy}>
          Save profile
        </Button>
      </form>
    </section>
  )
}

/** NoShows is the signed-in person's own no-show count (history-service /stats); nobody else sees it. */
export function NoShows() {
  const stats = useStats()
  if (!stats.data) return null
  return (
    <section className="card" aria-labelledby="no-shows-title">
      <h2 id="no-shows-title">Sessions you missed</h2>
      <p>No-shows: {stats.data.no_shows ?? 0}</p>
      <p className="muted">Times you were matched but never joined the session within 2 minutes. Only you see this.</p>
    </section>
  )
}

function PasswordForm() {
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [done, setDone] = useState(false)
  const f = fieldsOf(error)

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setDone(false)
    try {
      await api.put<void>('/user-service-api/users/me/password', { current_password: current, new_password: next })
      setCurrent('')
      setNext('')
      setDone(true)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <p className="muted">Your other sessions, in other browsers and devices, are signed out.</p>
      <form className="form" onSubmit={(e) => void onSubmit(e)} aria-labelledby="password-title">
        {error != null && !Object.keys(f).length && <ErrorMessage error={error} title="Could not change your password" />}
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          error={f.current_password}
          required
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          error={f.new_password}
          hint="At least 10 characters."
          required
        />
        <div aria-live="polite">{done && <Alert tone="success">Password changed. Your other sessions are signed out.</Alert>}</div>
        <Button type="submit" busy={busy}>
          Change password
        </Button>
      </form>
    </section>
  )
}

function DeleteAccount() {
  const me = useMe()
  const navigate = useNavigate()
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    if (typed !== me.username) return
    setBusy(true)
    setError(null)
    try {
      await api.del<void>('/user-service-api/users/me')
      await api.signOut()
      clearQueries()
      navigate('/sign-in', { replace: true })
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }

  return (
    <section className="card danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete account</h2>
      <p>This removes your account and signs you out everywhere. It cannot be undone.</p>
      <form className="form" onSubmit={(e) => void onSubmit(e)} aria-labelledby="delete-title">
        {error != null && <ErrorMessage error={error} title="Could not delete your account" />}
        <TextField
          label={`Type your username (${me.username}) to confirm`}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
        <Button type="submit" variant="danger" busy={busy} disabled={typed !== me.username}>
          Delete my account
        </Button>
      </form>
    </section>
  )
}
