import { useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import { ErrorMessage } from '../../../ui/Alert'
import { Button } from '../../../ui/Button'
import { useChat } from './useChat'

const MAX = 2000

function time(iso: string) {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

/** ChatPanel is the session's chat. Every text is rendered as text, never as HTML. */
export function ChatPanel({ sessionId, meId, partner }: { sessionId: string; meId: string; partner?: { id: string; username: string } }) {
  const { state, conn, send, discard, loadOlder, historyError, reloadHistory } = useChat(sessionId)
  const [text, setText] = useState('')
  const list = useRef<HTMLOListElement>(null)
  const stick = useRef(true)
  const before = useRef<{ height: number; top: number; first?: string } | null>(null)

  // Keep the view at the bottom for new messages, and in place when older ones are added above.
  useLayoutEffect(() => {
    const el = list.current
    if (!el) return
    const b = before.current
    if (b && b.first !== state.messages[0]?.id) {
      el.scrollTop = b.top + (el.scrollHeight - b.height)
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight
    }
    before.current = null
  }, [state.messages, state.pending])

  function onScroll() {
    const el = list.current
    if (!el) return
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
    if (el.scrollTop < 40 && state.hasMore && !state.loadingOlder) older()
  }

  function older() {
    const el = list.current
    if (el) before.current = { height: el.scrollHeight, top: el.scrollTop, first: state.messages[0]?.id }
    void loadOlder()
  }

  function submit(e?: FormEvent) {
    e?.preventDefault()
    const t = text.trim()
    if (!t || t.length > MAX) return
    send(t)
    setText('')
    stick.current = true
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      submit()
    }
  }

  const partnerHere = partner ? state.present[partner.id] : undefined
  useEffect(() => {
    if (state.messages.length === 0) stick.current = true
  }, [state.messages.length])

  return (
    <section className="chat-pane" aria-labelledby="chat-title">
      <div className="pane-header">
        <h2 id="chat-title">Chat</h2>
        <p className="presence" aria-live="polite">
          {partner ? (
            <>
              <span className={`dot ${partnerHere ? 'dot-on' : 'dot-off'}`} aria-hidden="true" />
              {partner.username} {partnerHere ? 'is in the chat' : 'is not in the chat'}
            </>
          ) : null}
        </p>
      </div>
      {conn.status !== 'open' && (
        <p className="muted" role="status">
          {conn.status === 'offline'
            ? 'Chat is offline. Messages you send wait here and go out when you are back online.'
            : 'Chat is reconnecting… messages you send wait and go out when it is back.'}
        </p>
      )}
      {historyError != null && <ErrorMessage error={historyError} onRetry={() => void reloadHistory()} title="Could not load the chat history" />}
      {state.hasMore && (
        <Button variant="link" onClick={older} busy={state.loadingOlder}>
          {state.loadingOlder ? 'Loading older messages…' : 'Load older messages'}
        </Button>
      )}
      <ol className="chat-log" ref={list} onScroll={onScroll} role="log" aria-label="Messages" aria-live="polite" tabIndex={0}>
        {state.messages.length === 0 && state.pending.length === 0 && <li className="muted chat-empty">No messages yet. Say hello!</li>}
        {state.messages.map((m) => (
          <li key={m.id} className={m.from.id === meId ? 'chat-msg chat-mine' : 'chat-msg'}>
            <span className="chat-meta">
              <span className="chat-from">{m.from.id === meId ? 'You' : m.from.username}</span> <time dateTime={m.sent_at}>{time(m.sent_at)}</time>
            </span>
            <span className="chat-text">{m.text}</span>
          </li>
        ))}
        {state.pending.map((p) => (
          <li key={p.client_id} className="chat-msg chat-mine chat-pending">
            <span className="chat-meta">
              <span className="chat-from">You</span> <span>{p.error ? 'Not sent' : 'Sending…'}</span>
            </span>
            <span className="chat-text">{p.text}</span>
            {p.error && (
              <span className="field-error">
                {p.error}{' '}
                <button type="button" className="btn btn-link" onClick={() => discard(p.client_id)}>
                  Discard
                </button>
              </span>
            )}
          </li>
        ))}
      </ol>
      <form className="chat-form" onSubmit={submit} aria-label="Send a message">
        <label htmlFor="chat-input" className="visually-hidden">
          Message
        </label>
        <textarea
          id="chat-input"
          rows={2}
          value={text}
          maxLength={MAX}
          placeholder="Message your partner"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <Button type="submit" disabled={!text.trim()}>
          Send
        </Button>
      </form>
    </section>
  )
}
