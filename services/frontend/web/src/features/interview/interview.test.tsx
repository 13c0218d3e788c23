import { act, render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useEffect } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { clearQueries } from '../../api/query'
import { clockOffset, remainingMs, type Interview } from './api'
import { InterviewPanel } from './InterviewPanel'
import { useInterview } from './useInterview'

const SID = 's-1'
const ME = 'me'
const PAL = 'pal'

function state(over: Partial<Interview> = {}): Interview {
  const now = Date.now()
  return {
    session_id: SID,
    phase: 1,
    status: 'running',
    interviewer_id: ME,
    candidate_id: PAL,
    your_role: 'interviewer',
    phase_started_at: new Date(now - 60_000).toISOString(),
    phase_ends_at: new Date(now + 24 * 60_000).toISOString(),
    phase_seconds: 1500,
    swap_votes: [],
    server_time: new Date(now).toISOString(),
    ...over,
  }
}

afterEach(() => vi.restoreAllMocks())
beforeEach(() => clearQueries())

/** serve answers the interview with i and the private notes with none. */
function serve(i: Interview) {
  vi.spyOn(api, 'get').mockImplementation(async (path: string) =>
    path.endsWith('/notes') ? { session_id: SID, notes: '', updated_at: null } : i,
  )
}

describe('the interview clock', () => {
  it('counts down in server time, whatever our clock says', () => {
    const serverNow = Date.parse('2026-12-03T14:00:00Z')
    const i = state({ server_time: new Date(serverNow).toISOString(), phase_ends_at: new Date(serverNow + 90_000).toISOString() })
    // Our clock runs 5 minutes behind the server's.
    const ours = serverNow - 300_000
    const offset = clockOffset(i, ours)
    expect(offset).toBe(300_000)
    expect(remainingMs(i, offset, ours + 30_000)).toBe(60_000)
    expect(remainingMs({ ...i, status: 'over' }, offset, ours)).toBe(0)
  })
})

const captured: { current?: ReturnType<typeof useInterview> } = {}
function Page() {
  const c = useInterview(SID, true)
  useEffect(() => {
    captured.current = c
  })
  return <InterviewPanel clock={c} meId={ME} partnerName="pal" />
}

describe('InterviewPanel', () => {
  it('shows the role and the time left, asks to swap, and follows the socket', async () => {
    serve(state())
    const post = vi.spyOn(api, 'post').mockResolvedValue(state({ swap_votes: [ME] }))
    render(<Page />)

    expect(await screen.findByText(/You are the/)).toHaveTextContent('You are the interviewer: ask pal about the question.')
    expect(screen.getByRole('heading', { name: 'Mock interview · part 1 of 2' })).toBeInTheDocument()
    expect(screen.getByRole('timer', { name: 'Time left in this part' })).toHaveTextContent(/^2[34]:\d\d$/)

    await userEvent.click(screen.getByRole('button', { name: 'Swap roles now' }))
    expect(post).toHaveBeenCalledWith(`/collaboration-service-api/sessions/${SID}/interview/swap`)
    expect(await screen.findByText('Waiting for pal to agree…')).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Swap roles now' })).not.toBeInTheDocument()

    // pal agrees on another replica: the socket brings the swapped state.
    const swapped = state({ phase: 2, interviewer_id: PAL, candidate_id: ME, your_role: undefined, swap_votes: [] })
    act(() => captured.current!.apply({ ...swapped, type: 'interview' }))
    expect(await screen.findByRole('heading', { name: 'Mock interview · part 2 of 2' })).toBeInTheDocument()
    expect(screen.getByText(/You are the/)).toHaveTextContent('You are the candidate: pal interviews you.')
    expect(screen.getByRole('button', { name: 'Finish the interview' })).toBeInTheDocument()

    // Messages of other sessions or kinds are ignored.
    act(() => captured.current!.apply({ type: 'interview', session_id: 'other', phase: 1, phase_ends_at: '' }))
    act(() => captured.current!.apply('hello'))
    expect(screen.getByRole('heading', { name: 'Mock interview · part 2 of 2' })).toBeInTheDocument()
  })

  it('says when the partner is ready to swap', async () => {
    serve(state({ your_role: 'candidate', interviewer_id: PAL, candidate_id: ME, swap_votes: [PAL] }))
    render(<Page />)
    expect(await screen.findByText('pal is ready to swap roles.')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Swap roles now' })).toBeInTheDocument()
  })

  it('says the interview is over, without a timer or button', async () => {
    serve(state({ status: 'over', end_reason: 'left' }))
    render(<Page />)
    expect(await screen.findByText('The interview stopped when a participant left.')).toBeInTheDocument()
    expect(screen.queryByRole('timer')).not.toBeInTheDocument()
    expect(screen.queryByRole('button')).not.toBeInTheDocument()
    // Once over, both may finish their private notes.
    expect(await screen.findByLabelText('Your private notes')).toBeInTheDocument()
  })

  it('gives the interviewer the private notes box, not the candidate', async () => {
    serve(state())
    const { unmount } = render(<Page />)
    expect(await screen.findByLabelText('Your private notes')).toBeInTheDocument()
    unmount()
    clearQueries()
    vi.restoreAllMocks()
    serve(state({ your_role: 'candidate', interviewer_id: PAL, candidate_id: ME }))
    render(<Page />)
    expect(await screen.findByText(/You are the/)).toHaveTextContent('You are the candidate')
    expect(screen.queryByLabelText('Your private notes')).not.toBeInTheDocument()
  })

  it('reads the state again now and then, in case a socket message was lost', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    try {
      serve(state())
      render(<Page />)
      expect(await screen.findByRole('heading', { name: 'Mock interview · part 1 of 2' })).toBeInTheDocument()
      vi.restoreAllMocks()
      serve(state({ phase: 2, interviewer_id: PAL, candidate_id: ME, your_role: 'candidate' }))
      await act(() => vi.advanceTimersByTimeAsync(16_000))
      expect(await screen.findByRole('heading', { name: 'Mock interview · part 2 of 2' })).toBeInTheDocument()
    } finally {
      vi.useRealTimers()
    }
  })
})
