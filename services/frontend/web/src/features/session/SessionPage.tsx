import { lazy, Suspense, useEffect, useRef, useState } from 'react'
import { Link, Navigate, useNavigate, useParams } from 'react-router'
import type { ConnState } from '../../api/connection'
import { ApiError } from '../../api/errors'
import { invalidate, useQuery } from '../../api/query'
import { Alert, ErrorMessage, Loading } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { Dialog } from '../../ui/Dialog'
import { useMe } from '../auth/useAuth'
import { InterviewPanel } from '../interview/InterviewPanel'
import { fetchSessionQuestion } from '../interview/api'
import { useInterview } from '../interview/useInterview'
import { useQuestion } from '../questions/api'
import { displayName, leaveSession, saveSnapshot, useSession, useUser } from './api'
import { onNoShow } from './noShow'
import { ChatPanel } from './chat/ChatPanel'
import { ConnectionBadge } from './components/ConnectionBadge'
import { QuestionPane } from './components/QuestionPane'
import type { EditorController } from './editor/CollabEditor'
import { SECOND_TEXT_NAME, TEXT_NAME } from './editor/textNames'

// CodeMirror, yjs and y-websocket load only when a session opens.
const CollabEditor = lazy(() => import('./editor/CollabEditor'))
// Run and Submit (execution-service) load after the room has opened.
const RunPanel = lazy(() => import('../run/RunPanel'))

/** How often the page re-reads the session (to notice the partner leaving). */
const SESSION_POLL_MS = 8000

export default function SessionPage() {
  const { id = '' } = useParams()
  const me = useMe()
  const navigate = useNavigate()
  const session = useSession(id)
  const s = session.data
  const partnerId = s?.user_ids.find((u) => u !== me.id)
  const partner = useUser(partnerId)
  const mock = s?.mode === 'mock'
  // A mock interview reads the question through the session: hints only for the interviewer.
  const plainQuestion = useQuestion(mock ? undefined : s?.question_id)
  const roleQuestion = useQuery(mock ? `session-question:${id}` : null, () => fetchSessionQuestion(id), { staleMs: 0 })
  const question = mock ? roleQuestion : plainQuestion
  const controller = useRef<EditorController | null>(null)
  const [conn, setConn] = useState<ConnState | null>(null)
  const [confirming, setConfirming] = useState(false)
  const [leaving, setLeaving] = useState(false)
  const [leaveError, setLeaveError] = useState<unknown>(null)
  const interview = useInterview(id, mock)
  // A new phase or the end changes what the question shows.
  const phaseKey = interview.interview ? `${interview.interview.phase}:${interview.interview.status}` : ''
  const { reload: reloadQuestion } = roleQuestion
  useEffect(() => {
    if (mock && phaseKey) void reloadQuestion()
  }, [mock, phaseKey, reloadQuestion])

  // Control messages are not kept: after a (re)connect, read the interview again.
  const connOpen = conn?.status === 'open'
  const { reload: reloadInterview } = interview
  useEffect(() => {
    if (mock && connOpen) reloadInterview()
  }, [mock, connOpen, reloadInterview])

  useEffect(() => {
    document.title = question.data ? `${question.data.title} · Session · PeerPrep` : 'Session · PeerPrep'
  }, [question.data])

  const { reload } = session
  useEffect(() => {
    const t = setInterval(() => void reload(), SESSION_POLL_MS)
    return () => clearInterval(t)
  }, [reload])

  const toSummary = () => {
    invalidate(`session:${id}`)
    navigate(`/session/${id}/summary`, { replace: true })
  }

  async function leave() {
    setLeaving(true)
    setLeaveError(null)
    try {
      const snap = controller.current?.snapshot()
      if (snap) await saveSnapshot(id, snap.code, snap.language).catch(() => {})
      await leaveSession(id)
      toSummary()
    } catch (e) {
      setLeaveError(e)
      setLeaving(false)
    }
  }

  if (session.error != null && !s) {
    const gone = session.error instanceof ApiError && (session.error.status === 404 || session.error.status === 403)
    return (
      <main id="main" className="page page-narrow">
        <h1>Session</h1>
        {gone ? (
          <Alert tone="error" title="Session not found">
            <p>This session does not exist or you are not part of it.</p>
            <Link to="/">Find a match</Link>
          </Alert>
        ) : (
          <ErrorMessage error={session.error} onRetry={() => void session.reload()} title="Could not open the session" />
        )}
      </main>
    )
  }
  if (!s) {
    return (
      <main id="main" className="page">
        <Loading label="Opening the session…" />
      </main>
    )
  }
  if (s.status === 'ended' || s.left_user_ids.includes(me.id)) return <Navigate to={`/session/${id}/summary`} replace />

  const partnerName = displayName(partner.data)
  // The second question of a mock interview gets a fresh document; the
  // first question's code stays in its own. Switched once that question is loaded.
  const phaseQuestion = interview.interview?.question_id
  const onSecond = mock && interview.interview?.phase === 2 && !!phaseQuestion && phaseQuestion !== s.question_id && question.data?.id === phaseQuestion
  const textName = onSecond ? SECOND_TEXT_NAME : TEXT_NAME
  const partnerLeft = partnerId !== undefined && s.left_user_ids.includes(partnerId)

  return (
    <main id="main" className="session-page">
      <div className="session-header">
        <div>
          <h1>Session with {partnerName}</h1>
          <ConnectionBadge state={conn} />
        </div>
        <Button variant="danger" onClick={() => setConfirming(true)}>
          Leave session
        </Button>
      </div>
      {partnerLeft && (
        <Alert tone="warning" title={`${partner.data?.username ?? 'Your partner'} has left the session`}>
          <p>You can keep working; the session ends when you leave too.</p>
        </Alert>
      )}
      {leaveError != null && <ErrorMessage error={leaveError} onRetry={() => void leave()} title="Could not leave the session" />}
      {mock && <InterviewPanel clock={interview} meId={me.id} partnerName={partnerName} />}
      <div className="session-grid">
        <QuestionPane question={question.data} error={question.error} onRetry={() => void question.reload()} />
        {question.data || question.error != null ? (
          <Suspense
            fallback={
              <section className="editor-pane" aria-label="Shared code editor">
                <Loading label="Loading the editor…" />
              </section>
            }
          >
            <CollabEditor
              key={textName}
              textName={textName}
              questionId={mock ? (onSecond ? phaseQuestion : s.question_id) : undefined}
              sessionId={id}
              username={me.username}
              initialLanguage={s.language}
              starterCode={question.data?.starter_code}
              controller={controller}
              onConnection={setConn}
              onControl={onNoShow(id, navigate, interview.apply)}
              onClosed={(code) => {
                if (code === 4410 || code === 4403) toSummary()
              }}
            />
          </Suspense>
        ) : (
          <section className="editor-pane" aria-label="Shared code editor">
            <Loading label="Loading the editor…" />
          </section>
        )}
        <ChatPanel sessionId={id} meId={me.id} partner={partner.data ? { id: partner.data.id, username: partner.data.username } : undefined} />
      </div>
      {question.data && (
        <Suspense fallback={<Loading label="Loading Run and Submit…" />}>
          <RunPanel
            key={question.data.id}
            sessionId={id}
            questionId={question.data.id}
            signature={question.data.signature}
            sampleCases={question.data.sample_cases}
            getCode={() => controller.current?.snapshot() ?? null}
          />
        </Suspense>
      )}
      <Dialog open={confirming} title="Leave this session?" onClose={() => setConfirming(false)}>
        <p>
          Your code is saved for both of you.{' '}
          {partnerLeft ? 'Your partner has already left, so the session will end.' : `${partner.data?.username ?? 'Your partner'} can keep working after you leave.`}{' '}
          You cannot come back to this session.
        </p>
        <div className="dialog-actions">
          <Button variant="secondary" onClick={() => setConfirming(false)} autoFocus>
            Stay
          </Button>
          <Button
            variant="danger"
            busy={leaving}
            onClick={() => {
              setConfirming(false)
              void leave()
            }}
          >
            {leaving ? 'Leaving…' : 'Leave'}
          </Button>
        </div>
      </Dialog>
    </main>
  )
}
