import { useEffect, useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { ApiError } from '../../api/errors'
import { useQuery } from '../../api/query'
import { Alert, ErrorMessage, Loading } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { conflictSession } from '../matching/useMatching'
import { acceptInvite, cancelInvite, readInvite, type Invite } from './api'
import { InviteSummary } from './InviteSummary'
import { useInviteAccepted } from './useInviteAccepted'

/** notOpen says in words why an invite can no longer be accepted. */
export function notOpen(inv: Pick<Invite, 'status' | 'inviter'>): string | null {
  switch (inv.status) {
    case 'used':
      return 'This invite was already accepted. Ask your friend for a new one.'
    case 'cancelled':
      return `${inv.inviter.username} cancelled this invite.`
    case 'expired':
      return 'This invite has expired. Ask your friend for a new one.'
  }
  return null
}

/** AcceptInvitePage shows who invited the user to what, and joins the session on accept. */
export default function AcceptInvitePage() {
  const { code = '' } = useParams()
  const navigate = useNavigate()
  const invite = useQuery(`invite:${code}`, () => readInvite(code), { staleMs: 0 })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [waitFor, setWaitFor] = useState<string | undefined>()
  const inv = invite.data

  useEffect(() => {
    document.title = inv ? `${inv.inviter.username} invited you · PeerPrep` : 'Invite · PeerPrep'
  }, [inv])
  // An acceptance answered before the session was ready: wait for it.
  useInviteAccepted(waitFor, (sessionId) => navigate(`/session/${sessionId}`))

  async function accept() {
    if (!inv) return
    setBusy(true)
    setError(null)
    try {
      const t = await acceptInvite(code)
      if (t.match?.session_id) navigate(`/session/${t.match.session_id}`)
      else setWaitFor(inv.id)
    } catch (e) {
      setError(e)
      setBusy(false)
      if (e instanceof ApiError && e.status === 410) void invite.reload()
    }
  }
  async function cancel() {
    setError(null)
    try {
      await cancelInvite(code)
      void invite.reload()
    } catch (e) {
      setError(e)
    }
  }

  const session = conflictSession(error)
  return (
    <main id="main" className="page page-narrow">
      {invite.error != null && !inv ? (
        <>
          <h1>Invite</h1>
          {invite.error instanceof ApiError && invite.error.status === 404 ? (
            <Alert tone="error" title="Invite not found">
              <p>There is no such invite. Check the link, or ask your friend for a new one.</p>
            </Alert>
          ) : (
            <ErrorMessage error={invite.error} onRetry={() => void invite.reload()} title="Could not load the invite" />
          )}
        </>
      ) : !inv ? (
        <Loading label="Loading the invite…" />
      ) : (
        <>
          <h1>{inv.your_invite ? 'Your invite' : `${inv.inviter.username} invited you to practise`}</h1>
          <InviteSummary invite={inv} />
          {notOpen(inv) ? (
            <Alert tone="warning" title="This invite cannot be used">
              <p>{notOpen(inv)}</p>
              <Link to="/match">Find a match with anyone instead</Link>
            </Alert>
          ) : inv.your_invite ? (
            <>
              <p>This is your own invite: send its link to a friend. You join the session when they accept.</p>
              <Button variant="danger" onClick={() => void cancel()}>
                Cancel the invite
              </Button>
            </>
          ) : waitFor ? (
            <Loading label="Setting up the session…" />
          ) : (
            <Button busy={busy} onClick={() => void accept()}>
              Accept and join the session
            </Button>
          )}
          {error != null &&
            (session ? (
              <Alert tone="error" title="You are in a session">
                <p>Leave it before you accept an invite.</p>
                <Link to={`/session/${session}`}>Go back to your session</Link>
              </Alert>
            ) : (
              <ErrorMessage error={error} onRetry={() => void accept()} title="Could not accept the invite" />
            ))}
          {error instanceof ApiError && error.status === 409 && !session && (
            <p>
              <Button variant="secondary" onClick={() => void accept()}>
                Try again
              </Button>
            </p>
          )}
        </>
      )}
    </main>
  )
}
