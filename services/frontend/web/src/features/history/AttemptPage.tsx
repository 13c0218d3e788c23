import { lazy, Suspense, useEffect } from 'react'
import { Link, useParams } from 'react-router'
import { ApiError } from '../../api/errors'
import { Alert, ErrorMessage, Loading } from '../../ui/Alert'
import { difficultyName, languageName } from '../questions/api'
import { matchLink } from '../matching/lastCriteria'
import { ReceivedFeedback } from '../feedback/ReceivedFeedback'
import { PrivateNotesView } from '../interview/PrivateNotesView'
import { LastSubmit } from '../run/LastSubmit'
import { formatDuration, useAttempt } from './api'
import { attemptTitle } from './HistoryPage'

const ReadOnlyCode = lazy(() => import('./ReadOnlyCode'))

export default function AttemptPage() {
  const { id } = useParams()
  const attempt = useAttempt(id)
  const a = attempt.data

  useEffect(() => {
    document.title = a ? `${attemptTitle(a)} · History · PeerPrep` : 'Attempt · PeerPrep'
  }, [a])

  return (
    <main id="main" className="page">
      <p>
        <Link to="/history">← Back to your history</Link>
      </p>
      {attempt.error != null ? (
        attempt.error instanceof ApiError && (attempt.error.status === 404 || attempt.error.status === 400) ? (
          <Alert tone="error" title="Attempt not found">
            <p>There is no such attempt in your history.</p>
          </Alert>
        ) : (
          <ErrorMessage error={attempt.error} onRetry={() => void attempt.reload()} title="Could not load the attempt" />
        )
      ) : !a ? (
        <Loading label="Loading the attempt…" />
      ) : (
        <>
          <h1>{attemptTitle(a)}</h1>
          <dl className="summary">
            <div>
              <dt>Difficulty</dt>
              <dd>{a.question.difficulty ? difficultyName(a.question.difficulty) : 'Unknown'}</dd>
            </div>
            {a.role && (
              <div>
                <dt>Your role</dt>
                <dd>{a.role === 'interviewer' ? 'Interviewer' : 'Candidate'} (mock interview)</dd>
              </div>
            )}
            <div>
              <dt>Partner</dt>
              <dd>{a.partner.username ?? 'a former user'}</dd>
            </div>
            <div>
              <dt>Language</dt>
              <dd>{languageName(a.language)}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{formatDuration(a.duration_seconds)}</dd>
            </div>
            <div>
              <dt>Ended</dt>
              <dd>
                <time dateTime={a.ended_at}>{new Date(a.ended_at).toLocaleString()}</time>
              </dd>
            </div>
            <LastSubmit sessionId={a.session_id} questionId={a.question.id} />
          </dl>
          <p>
            {a.question.difficulty && a.question.topics[0] && (
              <Link className="btn btn-primary" to={matchLink({ difficulty: a.question.difficulty, topic: a.question.topics[0], language: a.language })}>
                Practise again
              </Link>
            )}{' '}
            <Link to={`/history?question_id=${encodeURIComponent(a.question.id)}`}>Every attempt of this question</Link>
            {a.question.slug && (
              <>
                {' · '}
                <Link to={`/questions/${a.question.slug}`}>The question</Link>
              </>
            )}
          </p>
          <h2 id="attempt-code">Your final code</h2>
          {a.code ? (
            <Suspense
              fallback={
                <pre className="code-block" aria-labelledby="attempt-code" tabIndex={0}>
                  <code>{a.code}</code>
                </pre>
              }
            >
              <ReadOnlyCode code={a.code} language={a.language} label="Your final code, read only" />
            </Suspense>
          ) : (
            <p>(no code was saved)</p>
          )}
          <ReceivedFeedback sessionId={a.session_id} partnerName={a.partner.username} />
          <PrivateNotesView sessionId={a.session_id} />
        </>
      )}
    </main>
  )
}
