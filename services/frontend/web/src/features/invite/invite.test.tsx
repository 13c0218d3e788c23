import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { ApiError } from '../../api/errors'
import { invalidate } from '../../api/query'
import AcceptInvitePage, { notOpen } from './AcceptInvitePage'
import { friendRole, inviteLink, type Invite } from './api'

const invite: Invite = {
  id: '7d7a5c9e-8d4f-4b55-9a0b-2a4a6f1c0e11',
  code: 'abcdefghijklmnopqrstuv',
  path: '/invite/abcdefghijklmnopqrstuv',
  inviter: { id: 'u1', username: 'alice' },
  question: { id: 'q1', title: 'Two Sum' },
  topic: 'arrays',
  difficulty: 'easy',
  language: 'go',
  mode: 'mock',
  inviter_role: 'interviewer',
  status: 'open',
  created_at: '2026-01-01T00:00:00Z',
  expires_at: '2026-01-02T00:00:00Z',
  your_invite: false,
}

function renderPage() {
  return render(
    <MemoryRouter initialEntries={[`/invite/${invite.code}`]}>
      <Routes>
        <Route path="/invite/:code" element={<AcceptInvitePage />} />
        <Route path="/session/:id" element={<p>the session page</p>} />
      </Routes>
    </MemoryRouter>,
  )
}

function serve(accept: () => Promise<unknown>, inv: Invite = invite) {
  return vi.spyOn(api, 'request').mockImplementation(async (method: string, path: string) => {
    if (path.endsWith('/topics')) return []
    if (method === 'GET' && path.includes('/invites/')) return inv
    if (method === 'POST' && path.endsWith('/accept')) return accept()
    throw new Error(`unexpected ${method} ${path}`)
  })
}

afterEach(() => {
  vi.restoreAllMocks()
  invalidate('invite:')
})

describe('AcceptInvitePage', () => {
  it('says who invited you to what, and accepting opens the session', async () => {
    serve(async () => ({ ticket_id: 't', status: 'matched', match: { match_id: invite.id, session_id: 's-1' } }))
    renderPage()
    expect(await screen.findByRole('heading', { name: 'alice invited you to practise' })).toBeInTheDocument()
    expect(screen.getByText('Two Sum')).toBeInTheDocument()
    expect(screen.getByText('Mock interview: you start as the candidate')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Accept and join the session' }))
    expect(await screen.findByText('the session page')).toBeInTheDocument()
  })

  it('says in words that an invite was already used, with a way on', async () => {
    serve(async () => {
      throw new ApiError({ status: 410, code: 'invite_used', message: 'this invite was already accepted; ask your friend for a new one', details: [] })
    })
    renderPage()
    await userEvent.click(await screen.findByRole('button', { name: 'Accept and join the session' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('this invite was already accepted')
  })

  it('sends someone in a session back to it', async () => {
    serve(async () => {
      throw new ApiError({ status: 409, code: 'in_session', message: 'you are in a session', details: [], body: { session_id: 's-9' } })
    })
    renderPage()
    await userEvent.click(await screen.findByRole('button', { name: 'Accept and join the session' }))
    expect(await screen.findByRole('link', { name: 'Go back to your session' })).toHaveAttribute('href', '/session/s-9')
  })

  it('offers a retry when the inviter is busy', async () => {
    let n = 0
    serve(async () => {
      n++
      if (n === 1) throw new ApiError({ status: 409, code: 'inviter_busy', message: 'alice is in another session right now; try again when they are free', details: [] })
      return { ticket_id: 't', status: 'matched', match: { match_id: invite.id, session_id: 's-2' } }
    })
    renderPage()
    await userEvent.click(await screen.findByRole('button', { name: 'Accept and join the session' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('alice is in another session right now')
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByText('the session page')).toBeInTheDocument()
  })

  it('does not offer to accept your own invite', async () => {
    serve(async () => ({}), { ...invite, your_invite: true })
    renderPage()
    expect(await screen.findByRole('heading', { name: 'Your invite' })).toBeInTheDocument()
    expect(screen.getByText('Mock interview: you start as the interviewer')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Accept and join the session' })).not.toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Cancel the invite' })).toBeInTheDocument()
  })
})

describe('invite helpers', () => {
  it('word why an invite cannot be used, the friend’s role and the link', () => {
    expect(notOpen({ status: 'cancelled', inviter: invite.inviter })).toBe('alice cancelled this invite.')
    expect(notOpen({ status: 'open', inviter: invite.inviter })).toBeNull()
    expect(friendRole({ mode: 'mock', inviter_role: 'candidate' })).toBe('interviewer')
    expect(friendRole({ mode: 'practise' })).toBe('')
    expect(inviteLink(invite, 'https://peerprep.example')).toBe('https://peerprep.example/invite/abcdefghijklmnopqrstuv')
  })
})
