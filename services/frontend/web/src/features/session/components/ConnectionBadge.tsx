import type { ConnState } from '../../../api/connection'

const words: Record<ConnState['status'], { label: string; detail: string }> = {
  connecting: { label: 'Connecting…', detail: 'Opening the shared editor.' },
  open: { label: 'Connected', detail: 'Your edits are shared live.' },
  reconnecting: { label: 'Reconnecting…', detail: 'Your edits are kept and will be sent when the connection is back.' },
  offline: { label: 'Offline', detail: 'You are offline. Your edits are kept and will be sent when you reconnect.' },
  closed: { label: 'Disconnected', detail: 'The editor was closed by the server.' },
}

/** ConnectionBadge says whether the shared editor is live. */
export function ConnectionBadge({ state }: { state: ConnState | null }) {
  const w = words[state?.status ?? 'connecting']
  return (
    <p className={`conn conn-${state?.status ?? 'connecting'}`} role="status" aria-live="polite">
      <span className="dot" aria-hidden="true" />
      <span className="conn-label">Editor: {w.label}</span>
      {state?.status !== 'open' && <span className="conn-detail"> {w.detail}</span>}
    </p>
  )
}
