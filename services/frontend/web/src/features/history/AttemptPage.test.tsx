import { render, screen } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { ApiError } from '../../api/errors'
import { clearQueries } from '../../api/query'
import AttemptPage from './AttemptPage'
import type { Attempt } from './api'

const ID = '22222222-2222-4222-8222-222222222222'

function attempt(over: Partial<Attempt> = {}): Attempt {
  return {
    id: ID,
    session_id: '11111111-1111-4111-8111-111111111111',
    user_id: 'ann-id',
    question: { id: 'q1', title: 'Two Sum', slug: 'two-sum', difficulty: 'easy', topics: ['arrays'], snapshot: 'ready' },
    partner: { id: 'bob-id', username: 'bob' },
    language: 'python',
    code: '',
    started_at: '2026-12-01T10:00:00Z',
    ended_at: '2026-12-01T10:25:00Z',
    duration_seconds: 1500,
    created_at: '2026-12-01T10:25:01Z',
    ...over,
  }
}

function show(a: Attempt) {
  vi.spyOn(api, 'get').mockImplementation(async (path: string) => {
    if (path === `/history-service-api/attempts/${ID}`) return a
    throw new ApiError({ status: 404, code: 'not_found', message: 'not found' })
  })
  render(
    <MemoryRouter initialEntries={[`/history/${ID}`]}>
      <Routes>
        <Route path="/history/:id" element={<AttemptPage />} />
      </Routes>
    </MemoryRouter>,
  )
}

beforeEach(() => clearQueries())
afterEach(() => vi.restoreAllMocks())

describe('AttemptPage', () => {
  it.each([
    ['interviewer', 'Interviewer (mock interview)'],
    ['candidate', 'Candidate (mock interview)'],
  ] as const)('shows the role of a mock interview question (%s)', async (role, text) => {
    show(attempt({ role }))
    await screen.findByRole('heading', { level: 1 })
    expect(screen.getByText('Your role')).toBeInTheDocument()
    expect(screen.getByText(text)).toBeInTheDocument()
  })

  it.each([null, undefined])('shows no role for a practise session (role %s)', async (role) => {
    show(attempt({ role }))
    await screen.findByRole('heading', { level: 1 })
    expect(screen.getByText('Partner')).toBeInTheDocument()
    expect(screen.queryByText('Your role')).not.toBeInTheDocument()
  })
})
