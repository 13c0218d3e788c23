import { useEffect, useId } from 'react'
import { ErrorMessage, Loading } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { clock, useNow } from '../../ui/useNow'
import { remainingMs } from './api'
import { PrivateNotesBox } from './PrivateNotesBox'
import type { InterviewClock } from './useInterview'

const roleName = { interviewer: 'Interviewer', candidate: 'Candidate' } as const

/**
 * InterviewPanel shows a mock interview's phase, the caller's role, the
 * shared countdown and the swap button. The state comes from
 * useInterview; the page feeds it the socket's control messages.
 */
export function InterviewPanel({ clock: c, meId, partnerName }: { clock: InterviewClock; meId: string; partnerName: string }) {
  const i = c.interview
  const running = i?.status === 'running'
  const now = useNow(running)
  const left = i ? remainingMs(i, c.offset, now) : 0
  const titleId = useId()
  const { reload } = c

  // When the countdown runs out, read the state: the server moves the phase on.
  const due = running && left === 0
  useEffect(() => {
    if (!due) return
    const t = setTimeout(reload, 300)
    return () => clearTimeout(t)
  }, [due, reload])

  if (!i) {
    return c.error != null ? (
      <ErrorMessage error={c.error} onRetry={reload} title="Could not load the interview clock" />
    ) : (
      <Loading label="Loading the interview clock…" />
    )
  }
  const mine = i.swap_votes.includes(meId)
  const theirs = i.swap_votes.some((u) => u !== meId)
  const role = i.your_role
  return (
    <section className="interview-panel" aria-labelledby={titleId}>
      <h2 id={titleId}>
        Mock interview · {i.status === 'over' ? 'finished' : `part ${i.phase} of 2`}
      </h2>
      {role && i.status === 'running' && (
        <p>
          You are the <strong>{roleName[role].toLowerCase()}</strong>
          {role === 'interviewer' ? `: ask ${partnerName} about the question.` : `: ${partnerName} interviews you.`}
        </p>
      )}
      {i.status === 'running' ? (
        <p>
          Time left in this part:{' '}
          <time role="timer" aria-label="Time left in this part" dateTime={`PT${Math.round(left / 1000)}S`}>
            {clock(left)}
          </time>
        </p>
      ) : (
        <p>{i.end_reason === 'left' ? 'The interview stopped when a participant left.' : 'Both parts are done.'}</p>
      )}
      {i.status === 'running' && (
        <div aria-live="polite">
          {mine ? (
            <p className="muted">Waiting for {partnerName} to agree…</p>
          ) : (
            <Button variant="secondary" busy={c.swapping} onClick={() => void c.swap()}>
              {i.phase === 1 ? 'Swap roles now' : 'Finish the interview'}
            </Button>
          )}
          {theirs && !mine && <p>{partnerName} is ready to {i.phase === 1 ? 'swap roles' : 'finish'}.</p>}
        </div>
      )}
      {c.swapError != null && <ErrorMessage error={c.swapError} title="Could not ask to swap" />}
      {(role === 'interviewer' || i.status === 'over') && <PrivateNotesBox sessionId={i.session_id} />}
    </section>
  )
}
