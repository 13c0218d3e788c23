import { useId, useState, type FormEvent } from 'react'
import { ApiError } from '../../api/errors'
import { Alert, ErrorMessage, Loading } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { useNow } from '../../ui/useNow'
import { CRITERIA, commentLength, giveFeedback, MAX_COMMENT, useExchange, type GivenFeedback, type Ratings } from './api'

type Draft = { [K in keyof Ratings]: number | null }

const emptyDraft: Draft = { problem_solving: null, communication: null, code_quality: null }

function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/**
 * FeedbackForm lets a participant rate their partner after a session, and
 * change it for 24 hours. It loads what was already given, so it also
 * serves as the edit form and, once the window has closed, as a read-only
 * record.
 */
export function FeedbackForm({ sessionId, partnerName }: { sessionId: string; partnerName: string }) {
  const exchange = useExchange(sessionId)
  const titleId = useId()
  if (exchange.error != null && !exchange.data) {
    return (
      <section aria-labelledby={titleId} className="feedback">
        <h2 id={titleId}>Feedback for {partnerName}</h2>
        <ErrorMessage error={exchange.error} onRetry={() => void exchange.reload()} title="Could not load your feedback" />
      </section>
    )
  }
  if (!exchange.data) {
    return <Loading label="Loading your feedback…" />
  }
  // Keyed so the draft starts afresh from what was given for each session.
  return <FeedbackEditor key={sessionId} sessionId={sessionId} partnerName={partnerName} given={exchange.data.given} />
}

function FeedbackEditor({ sessionId, partnerName, given }: { sessionId: string; partnerName: string; given: GivenFeedback | null }) {
  const [draft, setDraft] = useState<Draft>(() =>
    given ? { problem_solving: given.problem_solving, communication: given.communication, code_quality: given.code_quality } : emptyDraft,
  )
  const [comment, setComment] = useState(given?.comment ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({})
  const [saved, setSaved] = useState<GivenFeedback | null>(null)
  const titleId = useId()
  const commentId = useId()
  // Re-read once a minute, so an open form turns read-only when the window closes.
  const now = useNow(true, 60_000)

  const current = saved ?? given
  const closed = current !== null && now >= Date.parse(current.editable_until)
  if (closed) {
    return (
      <section aria-labelledby={titleId} className="feedback">
        <h2 id={titleId}>Your feedback for {partnerName}</h2>
        <RatingsList ratings={current} comment={current.comment} />
        <p className="muted">Feedback can be changed for 24 hours after it is given.</p>
      </section>
    )
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    const local: Record<string, string> = {}
    for (const c of CRITERIA) if (draft[c.key] === null) local[c.key] = 'Choose a rating from 1 to 5.'
    if (commentLength(comment) > MAX_COMMENT) local.comment = `Keep the comment to ${MAX_COMMENT} characters.`
    setFieldErrors(local)
    setError(null)
    if (Object.keys(local).length > 0) return
    setBusy(true)
    try {
      const f = await giveFeedback(sessionId, {
        problem_solving: draft.problem_solving!,
        communication: draft.communication!,
        code_quality: draft.code_quality!,
        comment: comment.trim(),
      })
      setSaved(f)
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed') setFieldErrors(err.fieldErrors())
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  const length = commentLength(comment)
  return (
    <section aria-labelledby={titleId} className="feedback">
      <h2 id={titleId}>{current ? `Your feedback for ${partnerName}` : `How did ${partnerName} do?`}</h2>
      <p className="muted">
        Rate each from 1 (needs work) to 5 (excellent). {partnerName} sees your feedback on their attempt; their averages name nobody.
      </p>
      <div aria-live="polite">
        {saved && (
          <Alert tone="success">
            <p>Thanks, your feedback was saved. You can change it until {formatTime(saved.editable_until)}.</p>
          </Alert>
        )}
      </div>
      {error != null && <FeedbackError error={error} />}
      <form className="form" onSubmit={(e) => void onSubmit(e)} aria-labelledby={titleId} noValidate>
        {CRITERIA.map((c) => (
          <RatingField
            key={c.key}
            name={c.key}
            label={c.label}
            value={draft[c.key]}
            error={fieldErrors[c.key]}
            onChange={(v) => setDraft((d) => ({ ...d, [c.key]: v }))}
          />
        ))}
        <div className="field">
          <label htmlFor={commentId}>Comment (optional)</label>
          <textarea
            id={commentId}
            rows={4}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            aria-invalid={fieldErrors.comment ? true : undefined}
            aria-describedby={`${commentId}-hint${fieldErrors.comment ? ` ${commentId}-error` : ''}`}
          />
          <p className="field-hint" id={`${commentId}-hint`}>
            {length} / {MAX_COMMENT} characters
          </p>
          {fieldErrors.comment && (
            <p className="field-error" id={`${commentId}-error`}>
              {fieldErrors.comment}
            </p>
          )}
        </div>
        <Button type="submit" busy={busy}>
          {current ? 'Update feedback' : 'Send feedback'}
        </Button>
      </form>
    </section>
  )
}

function FeedbackError({ error }: { error: unknown }) {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'validation_failed':
        return (
          <Alert tone="error">
            <p>Please fix the fields marked below.</p>
          </Alert>
        )
      case 'session_in_progress':
        return (
          <Alert tone="error">
            <p>You are still in this session. Leave it first, then give feedback.</p>
          </Alert>
        )
      case 'edit_window_closed':
        return (
          <Alert tone="error">
            <p>This feedback can no longer be changed: the 24 hours to edit it have passed.</p>
          </Alert>
        )
    }
  }
  return <ErrorMessage error={error} title="Could not save your feedback" />
}

/** RatingField is a labelled group of five radio buttons. */
function RatingField({
  name,
  label,
  value,
  error,
  onChange,
}: {
  name: string
  label: string
  value: number | null
  error?: string
  onChange: (v: number) => void
}) {
  const errorId = useId()
  return (
    <fieldset className="choice-group rating" aria-invalid={error ? true : undefined} aria-describedby={error ? errorId : undefined}>
      <legend>{label}</legend>
      {[1, 2, 3, 4, 5].map((n) => (
        <label key={n} className="choice">
          <input type="radio" name={name} value={n} checked={value === n} onChange={() => onChange(n)} />
          {n}
        </label>
      ))}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </fieldset>
  )
}

/** RatingsList shows three ratings and a comment as a description list. */
export function RatingsList({ ratings, comment }: { ratings: Ratings; comment: string }) {
  return (
    <dl className="summary ratings">
      {CRITERIA.map((c) => (
        <div key={c.key}>
          <dt>{c.label}</dt>
          <dd>{ratings[c.key]} / 5</dd>
        </div>
      ))}
      <div>
        <dt>Comment</dt>
        <dd>{comment || <span className="muted">(none)</span>}</dd>
      </div>
    </dl>
  )
}
