import { useEffect, useRef } from 'react'
import { LiveSocket } from '../../api/socket'
import { currentTicket, MATCHING_WS_PATH } from '../matching/api'

/**
 * useInviteAccepted calls onSession once the match named matchId (an
 * invite's id) is ready: it listens for the "matched" event on matching's
 * socket, as the find-a-match page does, and reads /tickets/current every
 * 5 s in case the socket is down or a message was missed.
 */
export function useInviteAccepted(matchId: string | undefined, onSession: (sessionId: string) => void) {
  const cb = useRef(onSession)
  useEffect(() => {
    cb.current = onSession
  })
  useEffect(() => {
    if (!matchId) return
    let done = false
    const found = (m: { match_id?: string; session_id?: string } | undefined) => {
      if (!done && m?.match_id === matchId && m.session_id) {
        done = true
        cb.current(m.session_id)
      }
    }
    const sock = new LiveSocket({
      path: MATCHING_WS_PATH,
      onMessage: (data) => {
        const e = data as { type?: string; match_id?: string; session_id?: string }
        if (e?.type === 'matched') found(e)
      },
    })
    const poll = () =>
      currentTicket().then(
        (t) => found(t.match),
        () => {},
      )
    void poll()
    const t = setInterval(() => void poll(), 5000)
    return () => {
      done = true
      clearInterval(t)
      sock.close()
    }
  }, [matchId])
}
