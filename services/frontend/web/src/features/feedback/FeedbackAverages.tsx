import { useId } from 'react'
import { ErrorMessage, Loading } from '../../ui/Alert'
import { CRITERIA, useFeedbackSummary } from './api'

/**
 * FeedbackAverages is the dashboard's card of the feedback the user
 * received: a count and averages, naming nobody.
 */
export function FeedbackAverages() {
  const summary = useFeedbackSummary()
  const titleId = useId()
  const s = summary.data
  return (
    <section aria-labelledby={titleId} className="feedback">
      <h2 id={titleId}>Feedback from your partners</h2>
      {summary.error != null && !s ? (
        <ErrorMessage error={summary.error} onRetry={() => void summary.reload()} title="Could not load your feedback" />
      ) : !s ? (
        <Loading label="Loading feedback…" />
      ) : !s.averages ? (
        <p className="muted">No feedback yet. Partners can rate you after each session.</p>
      ) : (
        <>
          <p>
            Average of {s.count} {s.count === 1 ? 'rating' : 'ratings'}: <strong>{s.averages.overall.toFixed(1)} / 5</strong>
          </p>
          <dl className="summary ratings">
            {CRITERIA.map((c) => (
              <div key={c.key}>
                <dt>{c.label}</dt>
                <dd>{s.averages![c.key].toFixed(1)} / 5</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </section>
  )
}
