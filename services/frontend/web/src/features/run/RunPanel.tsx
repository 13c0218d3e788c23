// The session room's Run and Submit: runs the shared code against the
// question's test cases (execution-service) and shows every run of the
// session, whoever ran it. The partner's runs arrive by polling
// GET /runs?session_id= every few seconds while the page is visible.
import { useEffect, useRef, useState } from 'react'
import { ApiError, describeError } from '../../api/errors'
import { useQuery } from '../../api/query'
import { Alert, ErrorMessage } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { TextAreaField } from '../../ui/Field'
import type { SampleCase } from '../questions/api'
import { createRun, fetchSessionRuns, newestFirst, runLine, runMessage, runsKey, stdinFor, verdictName, type NewRun, type Run } from './api'
import { RunResult } from './RunResult'

/** How often the session's runs are read again while the page is visible. */
export const RUNS_POLL_MS = 3000

type Kind = 'run' | 'submit' | 'custom'

export interface RunPanelProps {
  sessionId: string
  questionId: string
  /** The shared code and the editor's language, or null while the editor is not ready. */
  getCode: () => { code: string; language: string } | null
  /** The question's signature, to say what the custom input holds. */
  signature?: string
  sampleCases?: SampleCase[]
}

const NO_CASES = 'This question has no test cases yet, so it cannot be run.'
/** NOT_READY is the failure of a run asked for before the editor has loaded. */
const NOT_READY = new Error('The editor is not ready yet. Try again once it has loaded.')

/** failureWords is a failed run request in words: a 429 says who is busy and when to try again. */
export function failureWords(e: unknown): string {
  if (e instanceof ApiError && e.status === 429) {
    const what = e.code === 'rate_limited' ? 'You have run code many times in the last minute.' : 'Every runner is busy right now.'
    return `${what} ${e.retryAfter ? `Try again in ${e.retryAfter} s.` : 'Try again in a moment.'}`
  }
  if (e instanceof ApiError && e.code === 'no_test_cases') return NO_CASES
  if (e === NOT_READY) return NOT_READY.message
  return describeError(e)
}

function RunFailure({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  if ((error instanceof ApiError && error.status === 429) || error === NOT_READY) {
    return (
      <Alert tone="warning" title="Not run yet">
        <p>{failureWords(error)}</p>
        <Button variant="secondary" onClick={onRetry}>
          Try again
        </Button>
      </Alert>
    )
  }
  if (error instanceof ApiError && error.code === 'no_test_cases') {
    return (
      <Alert tone="info" title="Nothing to run against">
        <p>{NO_CASES}</p>
      </Alert>
    )
  }
  return <ErrorMessage error={error} onRetry={onRetry} title="Could not run the code" />
}

/** RunItem is one run of the list: its summary line, expanded to the whole result on demand. */
function RunItem({ run }: { run: Run }) {
  const [open, setOpen] = useState(false)
  return (
    <li>
      <details onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          {runLine(run)}{' '}
          <time className="muted" dateTime={run.created_at}>
            · {new Date(run.created_at).toLocaleTimeString()}
          </time>
        </summary>
        {open && <RunResult run={run} headingLevel={4} />}
      </details>
    </li>
  )
}

export function RunPanel({ sessionId, questionId, getCode, signature, sampleCases }: RunPanelProps) {
  const runs = useQuery(runsKey(sessionId), () => fetchSessionRuns(sessionId), { staleMs: 0 })
  const [mine, setMine] = useState<Run | null>(null)
  const [inFlight, setInFlight] = useState<Kind | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [announce, setAnnounce] = useState('')
  // Starts as the first sample case (the panel mounts once the question is loaded, keyed by it).
  const [custom, setCustom] = useState(() => stdinFor(sampleCases?.[0]?.input))
  const [stdinError, setStdinError] = useState<string | undefined>()
  const last = useRef<Kind>('run')
  const busy = useRef(false)

  const { reload, loading } = runs
  const loadingRef = useRef(loading)
  useEffect(() => {
    loadingRef.current = loading
  })
  useEffect(() => {
    const poll = () => {
      if (document.visibilityState === 'visible' && !loadingRef.current) void reload()
    }
    const t = setInterval(poll, RUNS_POLL_MS)
    document.addEventListener('visibilitychange', poll)
    return () => {
      clearInterval(t)
      document.removeEventListener('visibilitychange', poll)
    }
  }, [reload])

  async function go(kind: Kind) {
    if (busy.current) return
    last.current = kind
    const snap = getCode()
    if (!snap) {
      setError(NOT_READY)
      return
    }
    const body: NewRun = { question_id: questionId, language: snap.language, code: snap.code, mode: kind === 'submit' ? 'submit' : 'run', session_id: sessionId }
    if (kind === 'custom') body.stdin = custom
    busy.current = true
    setInFlight(kind)
    setError(null)
    setStdinError(undefined)
    setAnnounce('Running…')
    try {
      const r = await createRun(body)
      setMine(r)
      setAnnounce([`${verdictName(r)}.`, runMessage(r)].filter(Boolean).join(' '))
    } catch (e) {
      const stdin = e instanceof ApiError && e.status === 400 ? e.fieldErrors().stdin : undefined
      if (stdin) setStdinError(stdin)
      else setError(e)
      // Other failures are announced by their alert.
      setAnnounce(stdin ? `Custom input: ${stdin}` : '')
    } finally {
      busy.current = false
      setInFlight(null)
      void reload()
    }
  }

  const list = runs.data ?? []
  // The newest run of this question, yours or your partner's: both screens show the same one.
  const latest = newestFirst([...(mine ? [mine] : []), ...list].filter((r) => r.question_id === questionId))[0]
  const shown = newestFirst(list.some((r) => r.id === mine?.id) || !mine ? list : [mine, ...list])
  const params = signature?.match(/\((.*)\)/)?.[1]

  return (
    <section className="run-pane" aria-labelledby="run-title">
      <div className="pane-header">
        <h2 id="run-title">Run your code</h2>
        <p className="muted run-help">Run checks the sample cases; Submit checks every case, hidden ones too.</p>
      </div>
      <div className="run-actions">
        <Button variant="secondary" busy={inFlight === 'run'} disabled={inFlight !== null} onClick={() => void go('run')}>
          Run
        </Button>
        <Button busy={inFlight === 'submit'} disabled={inFlight !== null} onClick={() => void go('submit')}>
          Submit
        </Button>
        <p className="run-status" role="status">
          {inFlight ? 'Running…' : announce}
        </p>
      </div>
      <div className="run-custom">
        <TextAreaField
          label="Custom input"
          className="code-input"
          rows={3}
          spellCheck={false}
          value={custom}
          onChange={(e) => setCustom(e.target.value)}
          hint={`One JSON value per line, one line per parameter${params ? ` (${params})` : ''}.`}
          error={stdinError}
        />
        <Button variant="secondary" busy={inFlight === 'custom'} disabled={inFlight !== null || !custom.trim()} onClick={() => void go('custom')}>
          Run custom input
        </Button>
      </div>
      {error != null && <RunFailure error={error} onRetry={() => void go(last.current)} />}
      {latest && (
        <section className="run-latest" aria-label="Latest result">
          <RunResult run={latest} />
        </section>
      )}
      <h3 id="runs-title">Runs in this session</h3>
      {runs.error != null && !runs.data ? (
        <ErrorMessage error={runs.error} onRetry={() => void reload()} title="Could not load the session's runs" />
      ) : shown.length === 0 ? (
        <p className="muted">{runs.data ? 'No runs yet. Press Run to try the sample cases.' : 'Loading the runs…'}</p>
      ) : (
        <ol className="run-list" aria-labelledby="runs-title">
          {shown.map((r) => (
            <RunItem key={r.id} run={r} />
          ))}
        </ol>
      )}
    </section>
  )
}

export default RunPanel
