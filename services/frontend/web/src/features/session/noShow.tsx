import { useLocation } from 'react-router'
import { Alert } from '../../ui/Alert'

/** What a person whose partner never joined is told. */
export const NO_SHOW_MESSAGE = 'Your partner did not join within 2 minutes. You are back in the queue, at the front.'

/** The location state the session page hands the find-a-match page after a no-show. */
export interface NoShowState {
  noShowSession: string
}

/** isNoShow reports whether a control message ends the session because the partner never joined. */
export function isNoShow(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false
  const m = message as { type?: unknown; reason?: unknown }
  return m.type === 'session_ended' && m.reason === 'no_show'
}

/**
 * onNoShow wraps a control message handler: a no-show takes the person to
 * the find-a-match page (which reads their current, requeued ticket),
 * anything else goes to next.
 */
export function onNoShow(
  sessionId: string,
  navigate: (to: string, opts: { replace: boolean; state: NoShowState }) => void,
  next: (message: unknown) => void,
): (message: unknown) => void {
  return (message) => {
    if (isNoShow(message)) navigate('/match', { replace: true, state: { noShowSession: sessionId } })
    else next(message)
  }
}

/** The session the location says was ended by a no-show, if any. */
export function useNoShowSession(): string | undefined {
  const state = useLocation().state as Partial<NoShowState> | null
  return typeof state?.noShowSession === 'string' ? state.noShowSession : undefined
}

/** NoShowNotice tells the person why they are back on the find-a-match page. */
export function NoShowNotice() {
  const session = useNoShowSession()
  if (!session) return null
  return (
    <Alert tone="warning" title="Your partner did not join">
      <p>{NO_SHOW_MESSAGE}</p>
    </Alert>
  )
}
