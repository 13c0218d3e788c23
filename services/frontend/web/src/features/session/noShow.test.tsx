import { render, screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { clearQueries } from '../../api/query'
import { NoShows } from '../profile/ProfilePage'
import { NO_SHOW_MESSAGE, NoShowNotice, onNoShow } from './noShow'

beforeEach(() => clearQueries())
afterEach(() => vi.restoreAllMocks())

describe('a no-show in the session room', () => {
  it('takes the person to the find-a-match page on the no_show control message, and passes other messages on', () => {
    const navigate = vi.fn()
    const next = vi.fn()
    const handle = onNoShow('s-1', navigate, next)
    handle({ type: 'interview', phase: 2 })
    expect(next).toHaveBeenCalledWith({ type: 'interview', phase: 2 })
    expect(navigate).not.toHaveBeenCalled()

    handle({ type: 'session_ended', reason: 'no_show', absent_user_ids: ['bob'] })
    expect(navigate).toHaveBeenCalledWith('/match', { replace: true, state: { noShowSession: 's-1' } })
    expect(next).toHaveBeenCalledTimes(1)
  })

  it('says in words why the person is back in the queue', () => {
    render(
      <MemoryRouter initialEntries={[{ pathname: '/match', state: { noShowSession: 's-1' } }]}>
        <NoShowNotice />
      </MemoryRouter>,
    )
    expect(screen.getByText(NO_SHOW_MESSAGE)).toBeInTheDocument()
    expect(NO_SHOW_MESSAGE).toBe('Your partner did not join within 2 minutes. You are back in the queue, at the front.')
  })

  it('says nothing on an ordinary visit', () => {
    render(
      <MemoryRouter initialEntries={['/match']}>
        <NoShowNotice />
      </MemoryRouter>,
    )
    expect(screen.queryByText(NO_SHOW_MESSAGE)).not.toBeInTheDocument()
  })
})

describe('the profile page', () => {
  it("shows the person's own no-show count from their stats", async () => {
    const get = vi.spyOn(api, 'get').mockResolvedValue({
      total: 3, distinct_questions: 3, by_difficulty: {}, by_topic: {}, by_day: [], time_zone: 'UTC',
      current_streak: 0, longest_streak: 1, no_shows: 2,
    })
    render(<NoShows />)
    expect(await screen.findByText('No-shows: 2')).toBeInTheDocument()
    expect(get.mock.calls[0][0]).toMatch(/^\/history-service-api\/stats\?/)
  })
})
