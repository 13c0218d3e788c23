import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { ApiError } from '../../api/errors'
import { clearQueries } from '../../api/query'
import { FeedbackAverages } from './FeedbackAverages'
import { FeedbackForm } from './FeedbackForm'
import { PendingFeedbackBanner } from './PendingFeedbackBanner'
import { ReceivedFeedback } from './ReceivedFeedback'
import type { Exchange, GivenFeedback } from './api'

const SID = '11111111-1111-4111-8111-111111111111'
const exchangePath = `/history-service-api/sessions/${SID}/feedback`

function given(over: Partial<GivenFeedback> = {}): GivenFeedback {
  const now = Date.now()
  return {
    session_id: SID,
    rated_id: 'bob-id',
    problem_solving: 4,
    communication: 3,
    code_quality: 5,
    comment: 'Nice tests.',
    created_at: new Date(now - 3600_000).toISOString(),
    updated_at: new Date(now - 3600_000).toISOString(),
    editable_until: new Date(now + 23 * 3600_000).toISOString(),
    ...over,
  }
}

function serve(routes: Record<string, unknown>) {
  return vi.spyOn(api, 'get').mockImplementation(async (path: string) => {
    if (path in routes) {
      const v = routes[path]
      if (v instanceof Error) throw v
      return v
    }
    throw new ApiError({ status: 404, code: 'not_found', message: 'not found' })
  })
}

const nothing: Exchange = { session_id: SID, given: null, received: null }

beforeEach(() => clearQueries())
afterEach(() => vi.restoreAllMocks())

describe('FeedbackForm', () => {
  it('sends three ratings and a trimmed comment, then offers to update', async () => {
    serve({ [exchangePath]: nothing })
    const put = vi.spyOn(api, 'put').mockResolvedValue(given({ problem_solving: 4, communication: 5, code_quality: 2, comment: 'Clear.' }))
    render(<FeedbackForm sessionId={SID} partnerName="bob" />)

    const form = await screen.findByRole('form', { name: 'How did bob do?' })
    await userEvent.click(within(screen.getByRole('group', { name: 'Problem solving' })).getByRole('radio', { name: '4' }))
    await userEvent.click(within(screen.getByRole('group', { name: 'Communication' })).getByRole('radio', { name: '5' }))
    await userEvent.click(within(screen.getByRole('group', { name: 'Code quality' })).getByRole('radio', { name: '2' }))
    await userEvent.type(screen.getByLabelText('Comment (optional)'), '  Clear.  ')
    await userEvent.click(within(form).getByRole('button', { name: 'Send feedback' }))

    expect(put).toHaveBeenCalledWith(exchangePath, { problem_solving: 4, communication: 5, code_quality: 2, comment: 'Clear.' })
    expect(await screen.findByText(/your feedback was saved/)).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Update feedback' })).toBeInTheDocument()
  })

  it('names each rating left unchosen and sends nothing', async () => {
    serve({ [exchangePath]: nothing })
    const put = vi.spyOn(api, 'put')
    render(<FeedbackForm sessionId={SID} partnerName="bob" />)
    await userEvent.click(within(await screen.findByRole('group', { name: 'Communication' })).getByRole('radio', { name: '3' }))
    await userEvent.click(screen.getByRole('button', { name: 'Send feedback' }))

    expect(put).not.toHaveBeenCalled()
    expect(screen.getByRole('group', { name: 'Problem solving' })).toHaveAccessibleDescription('Choose a rating from 1 to 5.')
    expect(screen.getByRole('group', { name: 'Code quality' })).toHaveAccessibleDescription('Choose a rating from 1 to 5.')
    expect(screen.getByRole('group', { name: 'Communication' })).not.toHaveAccessibleDescription()
  })

  it('starts from the feedback already given, for editing', async () => {
    serve({ [exchangePath]: { ...nothing, given: given() } })
    render(<FeedbackForm sessionId={SID} partnerName="bob" />)
    expect(await screen.findByRole('heading', { name: 'Your feedback for bob' })).toBeInTheDocument()
    expect(within(screen.getByRole('group', { name: 'Problem solving' })).getByRole('radio', { name: '4' })).toBeChecked()
    expect(within(screen.getByRole('group', { name: 'Code quality' })).getByRole('radio', { name: '5' })).toBeChecked()
    expect(screen.getByLabelText('Comment (optional)')).toHaveValue('Nice tests.')
    expect(screen.getByRole('button', { name: 'Update feedback' })).toBeInTheDocument()
  })

  it('is read-only once the 24 hours to edit have passed', async () => {
    serve({ [exchangePath]: { ...nothing, given: given({ editable_until: new Date(Date.now() - 1000).toISOString() }) } })
    render(<FeedbackForm sessionId={SID} partnerName="bob" />)
    expect(await screen.findByRole('heading', { name: 'Your feedback for bob' })).toBeInTheDocument()
    expect(screen.queryByRole('radio')).not.toBeInTheDocument()
    expect(screen.queryByRole('button')).not.toBeInTheDocument()
    expect(screen.getByText('4 / 5')).toBeInTheDocument()
  })

  it('says in words when the caller is still in the session', async () => {
    serve({ [exchangePath]: nothing })
    vi.spyOn(api, 'put').mockRejectedValue(new ApiError({ status: 409, code: 'session_in_progress', message: 'leave first' }))
    render(<FeedbackForm sessionId={SID} partnerName="bob" />)
    for (const name of ['Problem solving', 'Communication', 'Code quality']) {
      await userEvent.click(within(await screen.findByRole('group', { name })).getByRole('radio', { name: '3' }))
    }
    await userEvent.click(screen.getByRole('button', { name: 'Send feedback' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('You are still in this session')
  })

  it('shows the server’s field errors next to the comment', async () => {
    serve({ [exchangePath]: nothing })
    vi.spyOn(api, 'put').mockRejectedValue(
      new ApiError({ status: 400, code: 'validation_failed', message: 'bad', details: [{ field: 'comment', message: 'must be at most 1000 characters' }] }),
    )
    render(<FeedbackForm sessionId={SID} partnerName="bob" />)
    for (const name of ['Problem solving', 'Communication', 'Code quality']) {
      await userEvent.click(within(await screen.findByRole('group', { name })).getByRole('radio', { name: '2' }))
    }
    await userEvent.click(screen.getByRole('button', { name: 'Send feedback' }))
    const comment = await screen.findByLabelText('Comment (optional)')
    expect(await screen.findByText('must be at most 1000 characters')).toBeInTheDocument()
    expect(comment).toHaveAttribute('aria-invalid', 'true')
    expect(comment).toHaveAccessibleDescription(expect.stringContaining('must be at most 1000 characters'))
  })
})

describe('ReceivedFeedback', () => {
  it('shows the ratings and comment the partner gave', async () => {
    serve({
      [exchangePath]: {
        ...nothing,
        received: { session_id: SID, author_id: 'bob-id', problem_solving: 2, communication: 5, code_quality: 3, comment: 'Talk more.', updated_at: '' },
      },
    })
    render(<ReceivedFeedback sessionId={SID} partnerName="bob" />)
    const section = await screen.findByRole('region', { name: 'Feedback from bob' })
    expect(await within(section).findByText('Talk more.')).toBeInTheDocument()
    expect(within(section).getByText('Communication').nextSibling).toHaveTextContent('5 / 5')
  })

  it('says when the partner gave none', async () => {
    serve({ [exchangePath]: nothing })
    render(<ReceivedFeedback sessionId={SID} />)
    expect(await screen.findByText('Your partner has not given feedback for this session.')).toBeInTheDocument()
  })
})

describe('PendingFeedbackBanner', () => {
  it('lists sessions awaiting feedback, each linking to its summary', async () => {
    serve({
      '/history-service-api/feedback/pending': {
        items: [
          { session_id: SID, attempt_id: 'a1', partner: { id: 'b', username: 'bob' }, question_title: 'Two Sum', ended_at: new Date().toISOString() },
          { session_id: 'other', attempt_id: 'a2', partner: { id: 'c', username: null }, question_title: null, ended_at: new Date().toISOString() },
        ],
      },
    })
    render(
      <MemoryRouter>
        <PendingFeedbackBanner />
      </MemoryRouter>,
    )
    const banner = await screen.findByRole('region', { name: '2 sessions are awaiting your feedback' })
    expect(within(banner).getByRole('link', { name: 'Rate bob on Two Sum' })).toHaveAttribute('href', `/session/${SID}/summary`)
    expect(within(banner).getByRole('link', { name: 'Rate your partner' })).toHaveAttribute('href', '/session/other/summary')
  })

  it('shows nothing when every session has feedback', async () => {
    const get = serve({ '/history-service-api/feedback/pending': { items: [] } })
    const { container } = render(
      <MemoryRouter>
        <PendingFeedbackBanner />
      </MemoryRouter>,
    )
    await vi.waitFor(() => expect(get).toHaveBeenCalled())
    expect(container).toBeEmptyDOMElement()
  })
})

describe('FeedbackAverages', () => {
  it('shows the count and averages without naming anyone', async () => {
    serve({
      '/history-service-api/feedback/received/summary': {
        count: 3,
        averages: { problem_solving: 4.5, communication: 3.25, code_quality: 4, overall: 3.92 },
      },
    })
    render(<FeedbackAverages />)
    expect(await screen.findByText(/Average of 3 ratings/)).toHaveTextContent('3.9 / 5')
    expect(screen.getByText('Communication').nextSibling).toHaveTextContent('3.3 / 5')
  })

  it('says when nothing was received yet', async () => {
    serve({ '/history-service-api/feedback/received/summary': { count: 0, averages: null } })
    render(<FeedbackAverages />)
    expect(await screen.findByText(/No feedback yet/)).toBeInTheDocument()
  })
})
