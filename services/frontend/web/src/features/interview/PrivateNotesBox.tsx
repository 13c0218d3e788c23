import { useEffect, useId, useRef, useState } from 'react'
import { describeError } from '../../api/errors'
import { useQuery } from '../../api/query'
import { Loading } from '../../ui/Alert'
import { fetchNotes, MAX_NOTES, saveNotes } from './notes'

const SAVE_AFTER_MS = 1500

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; at: number } | { kind: 'error'; error: unknown }

/**
 * PrivateNotesBox is the interviewer's notes box: private to its author,
 * saved to their history a moment after they stop typing (and when the
 * box loses focus).
 */
export function PrivateNotesBox({ sessionId }: { sessionId: string }) {
  const saved = useQuery(`notes:${sessionId}`, () => fetchNotes(sessionId), { staleMs: 0 })
  if (!saved.data) {
    return saved.error != null ? <p className="field-error">Your notes could not be loaded: {describeError(saved.error)}</p> : <Loading label="Loading your notes…" />
  }
  return <NotesEditor key={sessionId} sessionId={sessionId} initial={saved.data.notes} />
}

function NotesEditor({ sessionId, initial }: { sessionId: string; initial: string }) {
  const [text, setText] = useState(initial)
  const [state, setState] = useState<SaveState>({ kind: 'idle' })
  const lastSaved = useRef(initial)
  const id = useId()

  const save = async (value: string) => {
    if (value === lastSaved.current || [...value].length > MAX_NOTES) return
    setState({ kind: 'saving' })
    try {
      await saveNotes(sessionId, value)
      lastSaved.current = value
      setState({ kind: 'saved', at: Date.now() })
    } catch (error) {
      setState({ kind: 'error', error })
    }
  }

  useEffect(() => {
    if (text === lastSaved.current) return
    const t = setTimeout(() => void save(text), SAVE_AFTER_MS)
    return () => clearTimeout(t)
    // save reads only refs and stable setters besides text.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text])

  const length = [...text].length
  const over = length > MAX_NOTES
  return (
    <div className="field private-notes">
      <label htmlFor={id}>Your private notes</label>
      <textarea
        id={id}
        rows={5}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => void save(text)}
        aria-invalid={over ? true : undefined}
        aria-describedby={`${id}-hint`}
      />
      <p className="field-hint" id={`${id}-hint`} aria-live="polite">
        Only you see these; they are kept with this session in your history. {length} / {MAX_NOTES} characters
        {over ? ' — too long to save.' : state.kind === 'saving' ? ' · Saving…' : state.kind === 'saved' ? ' · Saved' : ''}
      </p>
      {state.kind === 'error' && <p className="field-error">Not saved: {describeError(state.error)}</p>}
    </div>
  )
}
