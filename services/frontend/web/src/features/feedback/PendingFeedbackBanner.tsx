import { useId } from 'react'
import { Link } from 'react-router'
import { usePendingFeedback } from './api'

/**
 * PendingFeedbackBanner reminds the user of recent sessions they ended
 * without rating their partner. It shows nothing when there are none, or
 * when the list cannot be loaded (a reminder is not worth an error box).
 */
export function PendingFeedbackBanner() {
  const pending = usePendingFeedback()
  const titleId = useId()
  const items = pending.data?.items ?? []
  if (items.length === 0) return null
  return (
    <section className="alert alert-info feedback-reminder" aria-labelledby={titleId}>
      <h2 id={titleId} className="alert-title">
        {items.length === 1 ? 'A session is awaiting your feedback' : `${items.length} sessions are awaiting your feedback`}
      </h2>
      <ul>
        {items.map((p) => (
          <li key={p.session_id}>
            <Link to={`/session/${p.session_id}/summary`}>
              Rate {p.partner.username ?? 'your partner'}
              {p.question_title ? ` on ${p.question_title}` : ''}
            </Link>{' '}
            <span className="muted">({new Date(p.ended_at).toLocaleDateString()})</span>
          </li>
        ))}
      </ul>
    </section>
  )
}
