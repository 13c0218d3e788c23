import { useCallback, useEffect, useReducer, useRef, useState } from 'react'
import { api } from '../../../api/client'
import { initialConn, type ConnState } from '../../../api/connection'
import { LiveSocket } from '../../../api/socket'
import { chatHistoryPath, chatWsPath } from '../api'
import { chatReducer, initialChat, newClientId, toResend, type ChatMessage } from './chat'

interface Page {
  items: ChatMessage[]
  has_more: boolean
  next_before?: string
}

type Frame =
  | ({ type: 'message' } & ChatMessage)
  | { type: 'presence'; user_id: string; state: 'joined' | 'left' }
  | { type: 'error'; code: string; message: string; client_id?: string }

/**
 * useChat keeps a session's chat: history pages over HTTP, live frames over
 * the socket, and your unacknowledged messages resent with the same
 * client_id after every reconnect.
 */
export function useChat(sessionId: string) {
  const [state, dispatch] = useReducer(chatReducer, initialChat)
  const [conn, setConn] = useState<ConnState>(() => initialConn())
  const [historyError, setHistoryError] = useState<unknown>(null)
  const sock = useRef<LiveSocket | null>(null)
  const stateRef = useRef(state)
  useEffect(() => {
    stateRef.current = state
  })

  const loadLatest = useCallback(async () => {
    try {
      const page = await api.get<Page>(`${chatHistoryPath(sessionId)}?limit=50`)
      dispatch({ type: 'page', items: page.items, hasMore: page.has_more, nextBefore: page.next_before, older: false })
      setHistoryError(null)
    } catch (e) {
      setHistoryError(e)
    }
  }, [sessionId])

  useEffect(() => {
    const resendTimers = new Set<ReturnType<typeof setTimeout>>()
    const s = new LiveSocket({
      path: chatWsPath(sessionId),
      onState: (c) => {
        setConn(c)
        if (c.status !== 'open') dispatch({ type: 'disconnected' })
      },
      onOpen: () => {
        // Fill whatever was missed while away, then resend what was never echoed.
        void loadLatest()
        for (const p of toResend(stateRef.current)) s.send({ type: 'message', client_id: p.client_id, text: p.text })
      },
      onMessage: (data) => {
        const f = data as Frame
        if (!f || typeof f !== 'object') return
        if (f.type === 'message' && typeof f.id === 'string') {
          dispatch({ type: 'received', message: { id: f.id, client_id: f.client_id, from: f.from, text: f.text, sent_at: f.sent_at } })
        } else if (f.type === 'presence' && typeof f.user_id === 'string') {
          dispatch({ type: 'presence', userId: f.user_id, state: f.state })
        } else if (f.type === 'error' && f.client_id) {
          const id = f.client_id
          if (f.code === 'rate_limited' || f.code === 'unavailable') {
            // Not accepted this time: send it again shortly, same client_id.
            const t = setTimeout(() => {
              resendTimers.delete(t)
              const p = stateRef.current.pending.find((x) => x.client_id === id && !x.error)
              if (p) s.send({ type: 'message', client_id: p.client_id, text: p.text })
            }, 1500)
            resendTimers.add(t)
          } else {
            dispatch({ type: 'refused', clientId: id, message: f.message })
          }
        }
      },
    })
    sock.current = s
    return () => {
      for (const t of resendTimers) clearTimeout(t)
      s.close()
      sock.current = null
    }
  }, [sessionId, loadLatest])

  const send = useCallback((text: string) => {
    const clientId = newClientId()
    dispatch({ type: 'send', clientId, text })
    // When the socket is down this waits in pending and goes out on reconnect.
    sock.current?.send({ type: 'message', client_id: clientId, text })
  }, [])

  const discard = useCallback((clientId: string) => dispatch({ type: 'discard', clientId }), [])

  const loadOlder = useCallback(async () => {
    const s = stateRef.current
    if (!s.hasMore || s.loadingOlder) return
    dispatch({ type: 'loadingOlder', on: true })
    try {
      const before = s.nextBefore ?? s.messages[0]?.id
      const page = await api.get<Page>(`${chatHistoryPath(sessionId)}?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`)
      dispatch({ type: 'page', items: page.items, hasMore: page.has_more, nextBefore: page.next_before, older: true })
    } catch (e) {
      dispatch({ type: 'loadingOlder', on: false })
      setHistoryError(e)
    }
  }, [sessionId])

  return { state, conn, send, discard, loadOlder, historyError, reloadHistory: loadLatest }
}
