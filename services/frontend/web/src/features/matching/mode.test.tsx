import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useState } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { createTicket, type Mode } from './api'
import { ModeField } from './ModeField'

afterEach(() => vi.restoreAllMocks())

function Harness() {
  const [mode, setMode] = useState<Mode>('practise')
  const [first, setFirst] = useState(false)
  return (
    <>
      <ModeField mode={mode} onMode={setMode} startAsInterviewer={first} onStartAsInterviewer={setFirst} />
      <output aria-label="chosen">{`${mode}${first ? ' as interviewer' : ''}`}</output>
    </>
  )
}

describe('ModeField', () => {
  it('offers to start as the interviewer only in a mock interview', async () => {
    render(<Harness />)
    expect(screen.getByRole('radio', { name: 'Practise together' })).toBeChecked()
    expect(screen.queryByRole('checkbox', { name: 'Start as the interviewer' })).not.toBeInTheDocument()

    await userEvent.click(screen.getByRole('radio', { name: 'Mock interview' }))
    await userEvent.click(screen.getByRole('checkbox', { name: 'Start as the interviewer' }))
    expect(screen.getByLabelText('chosen')).toHaveTextContent('mock as interviewer')

    await userEvent.click(screen.getByRole('radio', { name: 'Practise together' }))
    expect(screen.queryByRole('checkbox')).not.toBeInTheDocument()
  })
})

describe('createTicket', () => {
  it('sends the mode, and the interviewer wish only for a mock interview', async () => {
    const post = vi.spyOn(api, 'post').mockResolvedValue({ ticket_id: 't', status: 'queued', expires_at: '' })
    await createTicket({ difficulty: 'easy', topic: 'arrays', mode: 'mock', start_as_interviewer: true })
    await createTicket({ difficulty: 'easy', topic: 'arrays', language: 'go', start_as_interviewer: true })
    expect(post.mock.calls[0][1]).toEqual({ difficulty: 'easy', topic: 'arrays', language: null, mode: 'mock', start_as_interviewer: true })
    expect(post.mock.calls[1][1]).toEqual({ difficulty: 'easy', topic: 'arrays', language: 'go', mode: 'practise' })
  })
})
