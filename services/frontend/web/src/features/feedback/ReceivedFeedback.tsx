import { useId } from 'react'
import { ErrorMessage, Loading } from '../../ui/Alert'
import { useExchange } from './api'
import { RatingsList } from './FeedbackForm'

/**
 * ReceivedFeedback shows, on an attempt, the feedback its partner gave
 * the signed-in user in that session. Self-contained: give it the
 * attempt's session id (and the partner's name if known).
 */
export function ReceivedFeedback({ sessionId, partnerName }: { sessionId: string; partnerName?: string | null }) {
  const exchange = useExchange(sessionId)
  const titleId = useId()
  const who = partnerName || 'your partner'
  const received = exchange.data?.received ?? null
  return (
    <section aria-labelledby={titleId} className="feedback">
      <h2 id={titleId}>Feedback from {who}</h2>
      {exchange.error != null && !exchange.data ? (
        <ErrorMessage error={exchange.error} onRetry={() => void exchange.reload()} title="Could not load the feedback" />
      ) : !exchange.data ? (
        <Loading label="Loading feedback…" />
      ) : received ? (
        <RatingsList ratings={received} comment={received.comment} />
      ) : (
        <p className="muted">{partnerName || 'Your partner'} has not given feedback for this session.</p>
      )}
    </section>
  )
}
