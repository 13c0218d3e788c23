import { useCallback, useEffect, useReducer, useRef, useState } from 'react'
import { initialConn, type ConnState } from '../../api/connection'
import { ApiError } from '../../api/errors'
import { LiveSocket } from '../../api/socket'
import { cancelTicket, createTicket, currentTicket, MATCHING_WS_PATH, type Criteria, type Ticket } from './api'
import { initialMatch, matchReducer, type ServerEvent } from './machine'

/** The ticket in a 409 of POST or DELETE /tickets. */
function conflictTicket(e: unknown): Ticket | undefined {
  if (!(e instanceof ApiError) || e.status !== 409) return undefined
  const t = (e.body as { ticket?: Ticket } | undefined)?.ticket
  return t && typeof t.ticket_id === 'string' ? t : undefined
}

/** The active session in a 409 in_session of POST /tickets. */
export function conflictSession(e: unknown): string | undefined {
  if (!(e instanceof ApiError) || e.status !== 409) return undefined
  const id = (e.body as { session_id?: unknown } | undefined)?.session_id
  return typeof id === 'string' && id ? id : undefined
}

/**
 * useMatching drives the matching state machine: the socket pushes ticket
 * states; while it is down (or as a slow safety net) /tickets/current is
 * polled.
 */
export function useMatching(opts: { onSession: (sessionId: string) => void }) {
  const [state, dispatch] = useReducer(matchReducer, initialMatch)
  const [conn, setConn] = useState<ConnState>(() => initialConn())
  const [actionError, setActionError] = useState<unknown>(null)
  const onSession = useRef(opts.onSession)
  useEffect(() => {
    onSession.current = opts.onSession
  })

  useEffect(() => {
    const sock = new LiveSocket({
      path: MATCHING_WS_PATH,
      onMessage: (data) => {
        const e = data as ServerEvent
        if (e && typeof e.type === 'string' && e.type !== 'pong') dispatch({ type: 'event', event: e })
      },
      onState: setConn,
    })
    return () => sock.close()
  }, [])

  const poll = useCallback(async () => {
    try {
      dispatch({ type: 'polled', ticket: await currentTicket() })
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) dispatch({ type: 'polled', ticket: null })
      // Anything else: the next poll tries again.
    }
  }, [])

  // Resume a ticket after a reload (the socket also re-sends it).
  useEffect(() => {
    void poll()
  }, [poll])

  const live = state.phase === 'queued' || state.phase === 'requesting'
  const socketOpen = conn.status === 'open'
  useEffect(() => {
    if (!live) return
    const t = setInterval(() => void poll(), socketOpen ? 15_000 : 2_000)
    return () => clearInterval(t)
  }, [live, socketOpen, poll])

  const submit = useCallback(
    async (criteria: Criteria) => {
      setActionError(null)
      dispatch({ type: 'submit', criteria })
      try {
        const ticket = await createTicket(criteria)
        dispatch({ type: 'created', ticket, now: Date.now() })
      } catch (e) {
        const session = conflictSession(e)
        if (session) {
          onSession.current(session)
          return
        }
        const t = conflictTicket(e)
        if (t) {
          // Already queued (another tab, a double submit): show that ticket.
          dispatch({ type: 'created', ticket: { ticket_id: t.ticket_id, status: 'queued', queued_at: t.queued_at, expires_at: t.expires_at, criteria: t.criteria }, now: Date.now() })
          if (t.status !== 'queued') dispatch({ type: 'polled', ticket: t })
          return
        }
        dispatch({ type: 'createFailed', error: e })
      }
    },
    [],
  )

  const cancel = useCallback(async () => {
    setActionError(null)
    dispatch({ type: 'cancel' })
    try {
      const t = await cancelTicket()
      if (t && typeof t.ticket_id === 'string') dispatch({ type: 'polled', ticket: t })
      else await poll()
    } catch (e) {
      const t = conflictTicket(e)
      if (t) {
        dispatch({ type: 'polled', ticket: t }) // matched meanwhile
        return
      }
      if (e instanceof ApiError && e.status === 404) {
        await poll()
        return
      }
      dispatch({ type: 'cancelFailed' })
      setActionError(e)
    }
  }, [poll])

  const reset = useCallback(() => dispatch({ type: 'reset' }), [])

  return { state, conn, submit, cancel, reset, actionError }
}
