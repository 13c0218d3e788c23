import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { api, type User } from '../../api/client'
import { ApiError } from '../../api/errors'
import { useQuery } from '../../api/query'
import { Alert, ErrorMessage, Loading } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { SelectField } from '../../ui/Field'
import { clock, useNow } from '../../ui/useNow'
import { useMe } from '../auth/useAuth'
import { PendingFeedbackBanner } from '../feedback/PendingFeedbackBanner'
import { DIFFICULTIES, difficultyName, LANGUAGES, languageName, topicName, useTopics, type Topic } from '../questions/api'
import { fetchCurrentSession } from '../session/api'
import type { Criteria, Mode } from './api'
import { ModeField } from './ModeField'
import { saveLastCriteria } from './lastCriteria'
import { useMatching } from './useMatching'


function useResumeSession(): { checking: boolean; error: unknown; retry: () => void } {
  const navigate = useNavigate()
  const [checking, setChecking] = useState(true)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    let live = true
    fetchCurrentSession()
      .then((s) => {
        if (live) navigate(`/session/${s.id}`, { replace: true })
      })
      .catch((e: unknown) => {
        if (!live) return
        if (!(e instanceof ApiError && e.status === 404)) setError(e)
        setChecking(false)
      })
    return () => {
      live = false
    }
  }, [navigate, attempt])
  return {
    checking,
    error,
    retry: () => {
      setError(null)
      setChecking(true)
      setAttempt((n) => n + 1)
    },
  }
}

export default function FindMatchPage() {
  const me = useMe()
  const navigate = useNavigate()
  const resume = useResumeSession()
  const topics = useTopics()
  const profile = useQuery<User>(`me:${me.id}`, () => api.get<User>('/user-service-api/users/me'))
  const { state, conn, submit, cancel, actionError } = useMatching({
    onSession: (id) => navigate(`/session/${id}`),
  })
  // "Practise again" and the dashboard link here with criteria filled in.
  const [params] = useSearchParams()
  const [difficulty, setDifficulty] = useState(() => {
    const d = params.get('difficulty')
    return d && DIFFICULTIES.includes(d as never) ? d : 'easy'
  })
  const [topic, setTopic] = useState(() => params.get('topic') ?? '')
  const [language, setLanguage] = useState<string | null>(() => {
    const l = params.get('language')
    return l && LANGUAGES.includes(l as never) ? l : null
  })
  const [mode, setMode] = useState<Mode>('practise')
  const [startAsInterviewer, setStartAsInterviewer] = useState(false)
  const heading = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    document.title = 'Find a match · PeerPrep'
  }, [])

  const preferred = profile.data?.preferred_language ?? me.preferred_language ?? ''
  const chosenLanguage = language ?? (LANGUAGES.includes(preferred as never) ? preferred : '')
  const topicList = useMemo(() => (topics.data ?? []).filter((t) => t.count > 0), [topics.data])
  const chosenTopic = (topicList.some((t) => t.slug === topic) ? topic : '') || topicList[0]?.slug || ''
  const selected = topicList.find((t) => t.slug === chosenTopic)

  useEffect(() => {
    if (state.phase === 'matched') {
      const t = setTimeout(() => navigate(`/session/${state.match.session_id}`), 700)
      return () => clearTimeout(t)
    }
  }, [state, navigate])

  // Move focus to the heading when the phase changes, so screen readers hear it.
  useEffect(() => {
    heading.current?.focus()
  }, [state.phase])

  if (resume.checking) {
    return (
      <main id="main" className="page page-narrow">
        <Loading label="Checking for a session in progress…" />
      </main>
    )
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault()
    const c: Criteria = {
      difficulty,
      topic: chosenTopic,
      language: chosenLanguage || undefined,
      mode,
      start_as_interviewer: mode === 'mock' && startAsInterviewer,
    }
    saveLastCriteria(c)
    void submit(c)
  }

  const retry = (c: Criteria | undefined) => c && void submit(c)

  return (
    <main id="main" className="page page-narrow">
      {resume.error != null && <ErrorMessage error={resume.error} onRetry={resume.retry} title="Could not check for a session in progress" />}
      {state.phase === 'queued' || state.phase === 'requesting' ? (
        <Queued state={state} topics={topics.data} conn={conn.status} onCancel={() => void cancel()} headingRef={heading} />
      ) : state.phase === 'matched' ? (
        <section aria-labelledby="matched-title">
          <h1 id="matched-title" ref={heading} tabIndex={-1}>
            Matched with {state.match.partner.username || 'a peer'}
          </h1>
          <Alert tone="success">
            {state.match.mode === 'mock' && state.match.role && <p>Mock interview: you start as the {state.match.role}.</p>}
            <p>Opening your session…</p>
          </Alert>
          <Button onClick={() => navigate(`/session/${state.match.session_id}`)}>Open the session now</Button>
        </section>
      ) : (
        <section aria-labelledby="find-title">
          <h1 id="find-title" ref={heading} tabIndex={-1}>
            Find a match
          </h1>
          {state.phase === 'timeout' && (
            <Alert tone="warning" title="No match this time">
              <p>Nobody else was looking for the same topic in time.</p>
              <Button onClick={() => retry(state.criteria)}>Try again</Button>
            </Alert>
          )}
          {state.phase === 'failed' && (
            <Alert tone="error" title="Matching failed">
              <p>{state.reason}</p>
              <Button onClick={() => retry(state.criteria)} disabled={!state.criteria}>
                Try again
              </Button>
            </Alert>
          )}
          {state.phase === 'cancelled' && (
            <Alert tone="info">
              <p>You left the queue.</p>
            </Alert>
          )}
          {state.phase === 'error' && <ErrorMessage error={state.error} title="Could not join the queue" onRetry={() => retry(state.criteria)} />}
          <PendingFeedbackBanner />
          <p>
            Pick what you want to practise. You will be paired with someone who picked the same topic. Or <Link to="/invite">invite a friend</Link>.
          </p>
          {topics.error != null ? (
            <ErrorMessage error={topics.error} onRetry={() => void topics.reload()} title="Could not load the topics" />
          ) : topics.loading && !topics.data ? (
            <Loading label="Loading topics…" />
          ) : (
            <form className="form" onSubmit={onSubmit} aria-label="Match criteria">
              <SelectField
                label="Topic"
                value={chosenTopic}
                onChange={(e) => setTopic(e.target.value)}
                options={topicList.map((t: Topic) => ({ value: t.slug, label: `${t.name} (${t.count})` }))}
              />
              <fieldset className="choice-group">
                <legend>Difficulty</legend>
                {DIFFICULTIES.map((d) => {
                  const n = selected?.by_difficulty?.[d]
                  return (
                    <label key={d} className="choice">
                      <input type="radio" name="difficulty" value={d} checked={difficulty === d} onChange={() => setDifficulty(d)} />
                      {difficultyName(d)}
                      {n !== undefined && <span className="muted"> ({n} {n === 1 ? 'question' : 'questions'})</span>}
                    </label>
                  )
                })}
              </fieldset>
              <SelectField
                label="Language"
                value={chosenLanguage}
                onChange={(e) => setLanguage(e.target.value)}
                hint={preferred ? `Your profile prefers ${languageName(preferred)}.` : 'Any language matches anyone.'}
                options={[{ value: '', label: 'Any language' }, ...LANGUAGES.map((l) => ({ value: l, label: languageName(l) }))]}
              />
              <ModeField mode={mode} onMode={setMode} startAsInterviewer={startAsInterviewer} onStartAsInterviewer={setStartAsInterviewer} />
              <Button type="submit" disabled={!chosenTopic}>
                Find a match
              </Button>
            </form>
          )}
        </section>
      )}
      {actionError != null && <ErrorMessage error={actionError} title="Could not leave the queue" />}
    </main>
  )
}

function Queued({
  state,
  topics,
  conn,
  onCancel,
  headingRef,
}: {
  state: { phase: 'queued' | 'requesting'; criteria: Criteria } & Partial<{ queuedAt: number; expiresAt: number; relaxed: boolean; cancelling: boolean }>
  topics: Topic[] | undefined
  conn: string
  onCancel: () => void
  headingRef: React.RefObject<HTMLHeadingElement | null>
}) {
  const now = useNow(state.phase === 'queued')
  const queued = state.phase === 'queued' && state.queuedAt !== undefined && state.expiresAt !== undefined
  const elapsed = queued ? now - state.queuedAt! : 0
  const left = queued ? state.expiresAt! - now : 0
  const total = queued ? state.expiresAt! - state.queuedAt! : 1
  const relaxed = queued && state.relaxed === true
  const c = state.criteria
  return (
    <section aria-labelledby="queued-title">
      <h1 id="queued-title" ref={headingRef} tabIndex={-1}>
        {state.phase === 'requesting' ? 'Joining the queue…' : 'Looking for a peer…'}
      </h1>
      <p>
        {c.mode === 'mock' ? 'Mock interview' : 'Practise together'} · {difficultyName(c.difficulty)} · {topicName(topics, c.topic)} ·{' '}
        {languageName(c.language)}
      </p>
      {queued && (
        <>
          <dl className="timer">
            <div>
              <dt>Waiting</dt>
              <dd>{clock(elapsed)}</dd>
            </div>
            <div>
              <dt>Time left</dt>
              <dd>{clock(left)}</dd>
            </div>
          </dl>
          <progress className="queue-progress" max={total} value={Math.min(total, Math.max(0, elapsed))} aria-label="Time in the queue" />
        </>
      )}
      <div aria-live="polite">
        {relaxed && (
          <Alert tone="info">
            <p>
              Nobody yet at {difficultyName(c.difficulty).toLowerCase()}: you can now also be matched with someone on {topicName(topics, c.topic)} at
              another difficulty.
            </p>
          </Alert>
        )}
        {conn !== 'open' && state.phase === 'queued' && (
          <p className="muted">Live updates are reconnecting; checking your place every few seconds.</p>
        )}
      </div>
      <Button variant="secondary" onClick={onCancel} busy={state.cancelling} disabled={state.phase !== 'queued'}>
        {state.cancelling ? 'Cancelling…' : 'Cancel'}
      </Button>
    </section>
  )
}
