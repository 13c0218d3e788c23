import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, type RequestOptions } from '../../api/client'
import type { Question } from '../questions/api'
import { QuestionEditorPage } from './QuestionEditorPage'

const stored: Question = {
  id: 'q1',
  slug: 'two-sum',
  title: 'Two Sum',
  difficulty: 'easy',
  topics: [],
  description: 'Find two numbers.',
  examples: [{ input: '1', output: '2', explanation: '' }],
  constraints: [],
  hints: ['Use a map.'],
  starter_code: {},
  interviewer_notes: ['Ask for O(n).'],
}

function renderEditor() {
  return render(
    <MemoryRouter initialEntries={['/admin/questions/q1']}>
      <Routes>
        <Route path="/admin/questions/:id" element={<QuestionEditorPage />} />
      </Routes>
    </MemoryRouter>,
  )
}

afterEach(() => vi.restoreAllMocks())

describe('QuestionEditorPage', () => {
  it('shows the interviewer notes one per line and saves the edited list with the PUT', async () => {
    const puts: unknown[] = []
    vi.spyOn(api, 'request').mockImplementation(async (method: string, path: string, opts: RequestOptions = {}) => {
      if (path.endsWith('/topics')) return []
      if (method === 'GET') {
        opts.onHeaders?.(new Headers({ ETag: '"v1"' }))
        return stored
      }
      if (method === 'PUT') {
        puts.push(opts.body)
        expect(opts.headers).toEqual({ 'If-Match': '"v1"' })
        opts.onHeaders?.(new Headers({ ETag: '"v2"' }))
        return { ...stored, ...(opts.body as object) }
      }
      throw new Error(`unexpected ${method} ${path}`)
    })
    renderEditor()
    const notes = await screen.findByLabelText('Interviewer notes, one per line')
    expect(notes).toHaveValue('Ask for O(n).')
    await userEvent.type(notes, '{enter}  {enter}Ask about duplicates.')
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }))
    expect(await screen.findByText('Saved.')).toBeInTheDocument()
    expect(puts).toHaveLength(1)
    expect(puts[0]).toMatchObject({ interviewer_notes: ['Ask for O(n).', 'Ask about duplicates.'], hints: ['Use a map.'] })
  }, 20_000) // typing is slow on a loaded machine

  it('clears the notes with an empty list and shows a field error from the API next to the box', async () => {
    const { ApiError } = await import('../../api/errors')
    const puts: unknown[] = []
    vi.spyOn(api, 'request').mockImplementation(async (method: string, path: string, opts: RequestOptions = {}) => {
      if (path.endsWith('/topics')) return []
      if (method === 'GET') return stored
      puts.push(opts.body)
      throw new ApiError({ status: 400, code: 'validation_failed', message: 'invalid', details: [{ field: 'interviewer_notes[0]', message: 'is too long' }] })
    })
    renderEditor()
    const notes = await screen.findByLabelText('Interviewer notes, one per line')
    await userEvent.clear(notes)
    await userEvent.click(screen.getByRole('button', { name: 'Save changes' }))
    expect(await screen.findByLabelText('Interviewer notes, one per line')).toHaveAccessibleDescription(expect.stringContaining('is too long'))
    expect(puts[0]).toMatchObject({ interviewer_notes: [] })
  }, 20_000)
})
