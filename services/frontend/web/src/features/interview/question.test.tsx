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

describe('QuestionPane sample cases', () => {
  it('shows the signature and each sample case as text', () => {
    const q: SessionQuestion = {
      ...base,
      signature: 'twoSum(nums int[], target int) int[]',
      sample_cases: [
        { input: [[2, 7, 11, 15], 9], expected: [0, 1] },
        { input: [['<b>a</b>'], 1], expected: '<i>x</i>' },
      ],
    }
    const { container } = render(<QuestionPane question={q} error={null} onRetry={() => {}} />)
    expect(screen.getByRole('heading', { name: 'Sample test cases' })).toBeInTheDocument()
    expect(screen.getByText('twoSum(nums int[], target int) int[]')).toBeInTheDocument()
    expect(screen.getByText('[2,7,11,15]\n9', { normalizer: (s) => s })).toBeInTheDocument()
    expect(screen.getByText('"<i>x</i>"')).toBeInTheDocument()
    expect(container.querySelector('b, i')).toBeNull()
  })

  it('shows no sample cases when the question has none', () => {
    render(<QuestionPane question={base} error={null} onRetry={() => {}} />)
    expect(screen.queryByRole('heading', { name: 'Sample test cases' })).not.toBeInTheDocument()
  })
})
