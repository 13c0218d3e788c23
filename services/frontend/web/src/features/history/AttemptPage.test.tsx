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

function show(a: Attempt, runs?: unknown) {
  vi.spyOn(api, 'get').mockImplementation(async (path: string) => {
    if (path === `/history-service-api/attempts/${ID}`) return a
    if (runs !== undefined && path === `/execution-service-api/runs?session_id=${a.session_id}`) return runs
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

describe('AttemptPage: the last submit', () => {
  const base = { user_id: 'ann-id', session_id: '11111111-1111-4111-8111-111111111111', language: 'python', message: '', time_ms: 1, memory_bytes: 1, first_failed_hidden: null, error: null }
  const runs = {
    runs: [
      { ...base, id: 'r4', username: 'ann', question_id: 'q1', mode: 'run', verdict: 'accepted', created_at: '2026-12-01T10:24:00Z', cases: [] },
      { ...base, id: 'r3', username: 'bob', question_id: 'q2', mode: 'submit', verdict: 'accepted', created_at: '2026-12-01T10:23:00Z', cases: [] },
      {
        ...base,
        id: 'r2',
        username: 'bob',
        question_id: 'q1',
        mode: 'submit',
        verdict: 'wrong_answer',
        created_at: '2026-12-01T10:22:00Z',
        cases: [
          { index: 0, hidden: false, input: [[1], 1], expected: 1, actual: 1, passed: true },
          { index: 1, hidden: true, passed: false },
        ],
      },
      { ...base, id: 'r1', username: 'ann', question_id: 'q1', mode: 'submit', verdict: 'accepted', created_at: '2026-12-01T10:20:00Z', cases: [] },
    ],
  }

  it('shows the verdict of the newest submit of the attempt’s question', async () => {
    show(attempt(), runs)
    expect(await screen.findByText('Last submit')).toBeInTheDocument()
    expect(screen.getByText('Wrong answer · 1/2 cases passed', { exact: false })).toHaveTextContent('Wrong answer · 1/2 cases passed · by bob')
  })

  it('shows nothing without a submit', async () => {
    show(attempt(), { runs: [runs.runs[0]] })
    await screen.findByRole('heading', { level: 1 })
    await new Promise((r) => setTimeout(r, 20))
    expect(screen.queryByText('Last submit')).not.toBeInTheDocument()
  })

  it('keeps the page when execution-service is unavailable', async () => {
    show(attempt({ code: 'print(1)' }))
    await screen.findByRole('heading', { level: 1 })
    await new Promise((r) => setTimeout(r, 20))
    expect(screen.queryByText('Last submit')).not.toBeInTheDocument()
    expect(screen.queryByText(/submit|runs/i)).not.toBeInTheDocument()
    expect(screen.getByText('Partner')).toBeInTheDocument()
  })
})
