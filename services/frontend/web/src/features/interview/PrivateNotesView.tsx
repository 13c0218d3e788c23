import { useId } from 'react'
import { useQuery } from '../../api/query'
import { ErrorMessage } from '../../ui/Alert'
import { fetchNotes } from './notes'

/**
 * PrivateNotesView shows, on an attempt, the notes its owner kept during
 * the session; nothing when there are none. Self-contained: give it the
 * attempt's session id.
 */
export function PrivateNotesView({ sessionId }: { sessionId: string }) {
  const notes = useQuery(`notes:${sessionId}`, () => fetchNotes(sessionId), { staleMs: 60_000 })
  const titleId = useId()
  if (notes.error != null && !notes.data) {
    return <ErrorMessage error={notes.error} onRetry={() => void notes.reload()} title="Could not load your notes" />
  }
  if (!notes.data?.notes) return null
  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId}>Your private notes</h2>
      <p className="private-notes-text">{notes.data.notes}</p>
    </section>
  )
}
