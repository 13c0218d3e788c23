import { render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { clearQueries } from '../../api/query'
import { QuestionPane } from '../session/components/QuestionPane'
import type { SessionQuestion } from './api'

const base: SessionQuestion = {
  id: 'q',
  slug: 'two-sum',
  title: 'Two Sum',
  difficulty: 'easy',
  topics: [],
  description: 'Find two numbers.',
  examples: [],
  constraints: [],
  hints: ['Use a map.'],
  starter_code: {},
  role: 'interviewer',
  hints_hidden: false,
  interviewer_notes: ['Ask for O(n).'],
}

beforeEach(() => {
  clearQueries()
  vi.spyOn(api, 'get').mockResolvedValue([])
})
afterEach(() => vi.restoreAllMocks())

describe('QuestionPane in a mock interview', () => {
  it('shows the interviewer the hints and the notes', () => {
    render(<QuestionPane question={base} error={null} onRetry={() => {}} />)
    expect(screen.getByRole('heading', { name: 'Notes for the interviewer' })).toBeInTheDocument()
    expect(screen.getByText('Ask for O(n).')).toBeInTheDocument()
    expect(screen.getByText('Hint 1')).toBeInTheDocument()
  })

  it('tells the candidate the hints are the interviewer’s, and shows none', () => {
    const candidate: SessionQuestion = { ...base, hints: undefined, interviewer_notes: undefined, role: 'candidate', hints_hidden: true }
    render(<QuestionPane question={candidate} error={null} onRetry={() => {}} />)
    expect(screen.getByText('Hints are for the interviewer in this part of the interview.')).toBeInTheDocument()
    expect(screen.queryByText('Hint 1')).not.toBeInTheDocument()
    expect(screen.queryByRole('heading', { name: 'Notes for the interviewer' })).not.toBeInTheDocument()
  })
})
