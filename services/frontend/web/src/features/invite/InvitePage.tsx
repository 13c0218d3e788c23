import { useEffect, useMemo, useState, type FormEvent } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { ApiError } from '../../api/errors'
import { useQuery } from '../../api/query'
import { ErrorMessage, Loading } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { SelectField, TextField } from '../../ui/Field'
import { useMe } from '../auth/useAuth'
import { ModeField } from '../matching/ModeField'
import type { Mode } from '../matching/api'
import { DIFFICULTIES, difficultyName, fetchQuestions, LANGUAGES, languageName, topicName, useTopics, type Topic } from '../questions/api'
import { cancelInvite, createInvite, inviteLink, type Invite } from './api'
import { InviteSummary } from './InviteSummary'
import { useInviteAccepted } from './useInviteAccepted'

const KEY = 'peerprep-open-invite'

/** The invite this tab created last, so a reload keeps showing its link. */
function kept(): Invite | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Invite | null
    return v && new Date(v.expires_at).getTime() > Date.now() ? v : null
  } catch {
    return null
  }
}

/** InvitePage creates an invite link for a friend and waits until they accept. */
export default function InvitePage() {
  const [invite, setInvite] = useState<Invite | null>(kept)
  const navigate = useNavigate()
  useEffect(() => {
    document.title = 'Invite a friend · PeerPrep'
  }, [])
  function keep(v: Invite | null) {
    if (v) sessionStorage.setItem(KEY, JSON.stringify(v))
    else sessionStorage.removeItem(KEY)
    setInvite(v)
  }
  useInviteAccepted(invite?.id, (sessionId) => {
    keep(null)
    navigate(`/session/${sessionId}`)
  })
  return (
    <main id="main" className="page page-narrow">
      <h1>Invite a friend</h1>
      {invite ? <Created invite={invite} onDone={() => keep(null)} /> : <InviteForm onCreated={keep} />}
    </main>
  )
}

function Created({ invite, onDone }: { invite: Invite; onDone: () => void }) {
  const [copied, setCopied] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const link = inviteLink(invite)
  async function copy() {
    try {
      await navigator.clipboard.writeText(link)
      setCopied(true)
    } catch {
      setCopied(false)
    }
  }
  async function cancel() {
    setBusy(true)
    setError(null)
    try {
      await cancelInvite(invite.code)
      onDone()
    } catch (e) {
      // Already used or gone: nothing left to cancel.
      if (e instanceof ApiError && (e.status === 410 || e.status === 404)) onDone()
      else setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="invite-ready">
      <h2 id="invite-ready">Your invite link is ready</h2>
      <p>Send this link to your friend. Once they sign in and accept, you both land in the session.</p>
      <TextField label="Invite link" value={link} readOnly onFocus={(e) => e.currentTarget.select()} />
      <p>
        <Button variant="secondary" onClick={() => void copy()}>
          Copy link
        </Button>{' '}
        <span aria-live="polite">{copied ? 'Copied.' : ''}</span>
      </p>
      <InviteSummary invite={invite} />
      <p role="status">
        <span className="spinner" aria-hidden="true" />
        Waiting for your friend to accept… The link works once, until <time dateTime={invite.expires_at}>{new Date(invite.expires_at).toLocaleString()}</time>.
      </p>
      {error != null && <ErrorMessage error={error} onRetry={() => void cancel()} title="Could not cancel the invite" />}
      <Button variant="danger" busy={busy} onClick={() => void cancel()}>
        Cancel the invite
      </Button>
    </section>
  )
}

function InviteForm({ onCreated }: { onCreated: (v: Invite) => void }) {
  const me = useMe()
  const [params] = useSearchParams()
  const topics = useTopics()
  const topicList = useMemo(() => (topics.data ?? []).filter((t) => t.count > 0), [topics.data])
  const [topic, setTopic] = useState(params.get('topic') ?? '')
  const [difficulty, setDifficulty] = useState(params.get('difficulty') ?? 'easy')
  const [questionId, setQuestionId] = useState(params.get('question') ?? '')
  const preferred = me.preferred_language
  const [language, setLanguage] = useState(params.get('language') ?? (preferred && LANGUAGES.includes(preferred as never) ? preferred : 'python'))
  const [mode, setMode] = useState<Mode>('practise')
  const [asInterviewer, setAsInterviewer] = useState(true)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const chosenTopic = (topicList.some((t) => t.slug === topic) ? topic : '') || topicList[0]?.slug || ''
  const questions = useQuery(chosenTopic ? `invite-questions:${chosenTopic}:${difficulty}` : null, () => fetchQuestions({ topic: chosenTopic, difficulty, page: 1 }))
  const list = questions.data?.items ?? []
  const chosenQuestion = list.some((q) => q.id === questionId) ? questionId : ''

  function onSubmit(e: FormEvent) {
    e.preventDefault()
    void submit()
  }
  async function submit() {
    setBusy(true)
    setError(null)
    try {
      const where = chosenQuestion ? { question_id: chosenQuestion } : { topic: chosenTopic, difficulty }
      onCreated(await createInvite({ ...where, language, mode, ...(mode === 'mock' ? { inviter_role: asInterviewer ? 'interviewer' : 'candidate' } : {}) }))
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  const fieldError = (f: string) => (error instanceof ApiError ? error.details.filter((d) => d.field === f).map((d) => d.message).join('; ') || undefined : undefined)
  if (topics.error != null) return <ErrorMessage error={topics.error} onRetry={() => void topics.reload()} title="Could not load the topics" />
  if (!topics.data) return <Loading label="Loading topics…" />
  return (
    <form className="form" onSubmit={onSubmit} aria-label="Invite details" noValidate>
      <p>Choose what you want to practise with your friend. You get a link to send them.</p>
      {error != null && <ErrorMessage error={error} onRetry={() => void submit()} title="Could not create the invite" />}
      <SelectField
        label="Topic"
        value={chosenTopic}
        onChange={(e) => setTopic(e.target.value)}
        error={fieldError('topic')}
        options={topicList.map((t: Topic) => ({ value: t.slug, label: `${t.name} (${t.count})` }))}
      />
      <fieldset className="choice-group">
        <legend>Difficulty</legend>
        {DIFFICULTIES.map((d) => (
          <label key={d} className="choice">
            <input type="radio" name="difficulty" value={d} checked={difficulty === d} onChange={() => setDifficulty(d)} />
            {difficultyName(d)}
          </label>
        ))}
      </fieldset>
      <SelectField
        label="Question"
        value={chosenQuestion}
        onChange={(e) => setQuestionId(e.target.value)}
        error={fieldError('question_id')}
        hint={questions.error != null ? 'Could not load the questions; any question of the topic will do.' : undefined}
        options={[
          { value: '', label: `Any ${difficultyName(difficulty).toLowerCase()} question on ${topicName(topics.data, chosenTopic)}` },
          ...list.map((q) => ({ value: q.id, label: q.title })),
        ]}
      />
      <SelectField
        label="Language"
        value={language}
        onChange={(e) => setLanguage(e.target.value)}
        error={fieldError('language')}
        options={LANGUAGES.map((l) => ({ value: l, label: languageName(l) }))}
      />
      <ModeField mode={mode} onMode={setMode} startAsInterviewer={asInterviewer} onStartAsInterviewer={setAsInterviewer} />
      <Button type="submit" busy={busy} disabled={!chosenTopic}>
        Create invite link
      </Button>
      <p>
        <Link to="/match">Or find a match with anyone</Link>
      </p>
    </form>
  )
}
