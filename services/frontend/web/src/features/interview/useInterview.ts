import { useCallback, useEffect, useRef, useState } from 'react'
import { clockOffset, fetchInterview, isInterviewMessage, voteSwap, type Interview } from './api'

/** POLL_MS is how often the state is read again while the interview runs. */
const POLL_MS = 15_000

export interface InterviewClock {
  interview: Interview | null
  /** server time − our time, in ms */
  offset: number
  error: unknown
  reload: () => void
  /** apply takes a control message from the session socket. */
  apply: (message: unknown) => void
  swap: () => Promise<void>
  swapping: boolean
  swapError: unknown
}

/**
 * useInterview keeps a mock interview's state: read over HTTP on mount
 * (and by reload: on reconnect, when the countdown ends), replaced by every
 * control message the socket brings.
 */
export function useInterview(sessionId: string, enabled: boolean): InterviewClock {
  const [interview, setInterview] = useState<Interview | null>(null)
  const [offset, setOffset] = useState(0)
  const [error, setError] = useState<unknown>(null)
  const [swapping, setSwapping] = useState(false)
  const [swapError, setSwapError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  const live = useRef(true)

  const adopt = useCallback((i: Interview) => {
    setOffset(clockOffset(i, Date.now()))
    setInterview(i)
  }, [])

  useEffect(() => {
    live.current = true
    if (!enabled) return
    fetchInterview(sessionId).then(
      (i) => {
        if (!live.current) return
        setError(null)
        adopt(i)
      },
      (e: unknown) => {
        if (live.current) setError(e)
      },
    )
    return () => {
      live.current = false
    }
  }, [sessionId, enabled, attempt, adopt])

  // Control messages are not kept: a slow poll catches one that was lost.
  const running = interview?.status === 'running'
  useEffect(() => {
    if (!enabled || !running) return
    const t = setInterval(() => setAttempt((n) => n + 1), POLL_MS)
    return () => clearInterval(t)
  }, [enabled, running])

  const apply = useCallback(
    (m: unknown) => {
      if (!isInterviewMessage(m, sessionId)) return
      // Control messages carry no role: it follows from the ids.
      setInterview((prev) => {
        const role = prev?.your_role
        const me = role === 'interviewer' ? prev!.interviewer_id : role === 'candidate' ? prev!.candidate_id : undefined
        const your_role = me === undefined ? undefined : me === m.interviewer_id ? 'interviewer' : 'candidate'
        return { ...m, your_role }
      })
      setOffset(clockOffset(m, Date.now()))
    },
    [sessionId],
  )

  const swap = useCallback(async () => {
    setSwapping(true)
    setSwapError(null)
    try {
      adopt(await voteSwap(sessionId))
    } catch (e) {
      setSwapError(e)
    } finally {
      setSwapping(false)
    }
  }, [sessionId, adopt])

  const reload = useCallback(() => setAttempt((n) => n + 1), [])
  return { interview, offset, error, reload, apply, swap, swapping, swapError }
}
