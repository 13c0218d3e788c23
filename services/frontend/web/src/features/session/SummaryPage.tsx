import { useEffect, useState } from 'react'
import { Link, useParams } from 'react-router'
import { ApiError } from '../../api/errors'
import { Alert, ErrorMessage, Loading } from '../../ui/Alert'
import { useMe } from '../auth/useAuth'
import { FeedbackForm } from '../feedback/FeedbackForm'
import { attemptForSession, formatDuration, type Attempt } from '../history/api'
import { difficultyName, languageName, useQuestion } from '../questions/api'
import { displayName, useSession, useUser } from './api'

const ATTEMPT_POLL_MS = 3000
const ATTEMPT_POLL_FOR_MS = 3 * 60_000

/** useRecordedAttempt polls history until the session's attempt is recorded. */
function useRecordedAttempt(sessionId: string, ended: boolean) {
  const [attempt, setAttempt] = useState<Attempt | null>(null)
  const [gaveUp, setGaveUp] = useState(false)
  useEffect(() => {
    if (!ended) return
    let live = true
    let timer: ReturnType<typeof setTimeout>
    const start = Date.now()
    const tick = async () => {
      try {
        const a = await attemptForSession(sessionId)
        if (!live) return
        if (a) {
          setAttempt(a)
          return
        }
      } catch {
        // Try again below.
      }
      if (!live) return
      if (Date.now() - start > ATTEMPT_POLL_FOR_MS) setGaveUp(true)
      else timer = setTimeout(() => void tick(), ATTEMPT_POLL_MS)
    }
    void tick()
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [sessionId, ended])
  return { attempt, gaveUp }
}

export default function SummaryPage() {
  const { id = '' } = useParams()
  const me = useMe()
  const session = useSession(id)
  const s = session.data
  const partnerId = s?.user_ids.find((u) => u !== me.id)
  const partner = useUser(partnerId)
  const question = useQuestion(s?.question_id)
  const ended = s?.status === 'ended'
  const { attempt, gaveUp } = useRecordedAttempt(id, ended)

  useEffect(() => {
    document.title = 'Session summary · PeerPrep'
  }, [])

  // Until the partner leaves too the session is still going: check now and then.
  const { reload } = session
  useEffect(() => {
    if (!s || ended) return
    const t = setInterval(() => void reload(), 5000)
    return () => clearInterval(t)
  }, [s, ended, reload])

  if (session.error != null && !s) {
    const gone = session.error instanceof ApiError && session.error.status === 404
    return (
      <main id="main" className="page page-narrow">
        <h1>Session summary</h1>
        {gone ? (
          <Alert tone="error" title="Session not found">
            <p>This session does not exist or you were not part of it.</p>
          </Alert>
        ) : (
          <ErrorMessage error={session.error} onRetry={() => void session.reload()} />
        )}
      </main>
    )
  }
  if (!s) {
    return (
      <main id="main" className="page page-narrow">
        <Loading label="Loading the summary…" />
      </main>
    )
  }

  const end = s.ended_at ? Date.parse(s.ended_at) : undefined
  const duration = end ? (end - Date.parse(s.created_at)) / 1000 : undefined

  return (
    <main id="main" className="page">
      <h1>Session summary</h1>
      <dl className="summary">
        <div>
          <dt>Question</dt>
          <dd>
            {question.data ? `${question.data.title} (${difficultyName(question.data.difficulty)})` : question.error ? 'Unavailable' : 'Loading…'}
          </dd>
        </div>
        <div>
          <dt>Partner</dt>
          <dd>{displayName(partner.data, partner.error ? 'Unknown' : 'Loading…')}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{duration !== undefined ? formatDuration(duration) : 'Still going: your partner has not left yet'}</dd>
        </div>
        <div>
          <dt>Language</dt>
          <dd>{languageName(s.language)}</dd>
        </div>
      </dl>
      <div aria-live="polite">
        {attempt ? (
          <p>
            <Link to={`/history/${attempt.id}`} className="btn btn-primary">
              View this attempt in your history
            </Link>
          </p>
        ) : ended ? (
          gaveUp ? (
            <Alert tone="warning">
              <p>
                Your attempt has not appeared in your history yet. It will be there shortly: see <Link to="/history">History</Link>.
              </p>
            </Alert>
          ) : (
            <Loading label="Recording your attempt in your history…" />
          )
        ) : (
          <p className="muted">Your attempt is recorded once your partner leaves too (or the session goes idle).</p>
        )}
      </div>
      {partnerId && <FeedbackForm sessionId={id} partnerName={displayName(partner.data, 'your partner')} />}
      <h2 id="final-code">Final code</h2>
      <pre className="code-block" aria-labelledby="final-code" tabIndex={0}>
        <code>{s.code || '(no code was saved)'}</code>
      </pre>
      <p>
        <Link to="/">Find another match</Link> · <Link to="/history">Your history</Link>
      </p>
    </main>
  )
}
