import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { clearQueries } from '../../api/query'
import { PrivateNotesBox } from './PrivateNotesBox'
import { PrivateNotesView } from './PrivateNotesView'

beforeEach(() => clearQueries())
afterEach(() => vi.restoreAllMocks())

describe('PrivateNotesBox', () => {
  it('starts from the saved notes and saves when the box loses focus', async () => {
    vi.spyOn(api, 'get').mockResolvedValue({ session_id: 's', notes: 'Asked about', updated_at: '2026-12-03T14:00:00Z' })
    const put = vi.spyOn(api, 'put').mockResolvedValue({ session_id: 's', notes: 'x', updated_at: '2026-12-03T14:01:00Z' })
    render(
      <>
        <PrivateNotesBox sessionId="s" />
        <button type="button">elsewhere</button>
      </>,
    )
    const box = await screen.findByLabelText('Your private notes')
    expect(box).toHaveValue('Asked about')
    await userEvent.type(box, ' complexity.')
    await userEvent.click(screen.getByRole('button', { name: 'elsewhere' }))
    expect(put).toHaveBeenCalledWith('/history-service-api/sessions/s/notes', { notes: 'Asked about complexity.' })
    expect(await screen.findByText(/Saved/)).toBeInTheDocument()
  })

  it('says when the notes could not be saved', async () => {
    vi.spyOn(api, 'get').mockResolvedValue({ session_id: 's', notes: '', updated_at: null })
    vi.spyOn(api, 'put').mockRejectedValue(new Error('boom'))
    render(<PrivateNotesBox sessionId="s" />)
    const box = await screen.findByLabelText('Your private notes')
    await userEvent.type(box, 'note')
    box.blur()
    expect(await screen.findByText(/Not saved/)).toBeInTheDocument()
  })
})

describe('PrivateNotesView', () => {
  it('shows the notes kept in the session, or nothing', async () => {
    vi.spyOn(api, 'get').mockResolvedValue({ session_id: 's', notes: 'Strong on\ntrees.', updated_at: '2026-12-03T14:00:00Z' })
    const { unmount } = render(<PrivateNotesView sessionId="s" />)
    expect(await screen.findByRole('region', { name: 'Your private notes' })).toHaveTextContent('Strong on trees.')
    unmount()
    clearQueries()
    vi.restoreAllMocks()
    const get = vi.spyOn(api, 'get').mockResolvedValue({ session_id: 't', notes: '', updated_at: null })
    const { container } = render(<PrivateNotesView sessionId="t" />)
    await vi.waitFor(() => expect(get).toHaveBeenCalled())
    expect(container).toBeEmptyDOMElement()
  })
})
