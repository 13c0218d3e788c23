import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router'
import { describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { ApiError } from '../../api/errors'
import { SignUpPage } from './SignUpPage'

describe('SignUpPage', () => {
  it('shows each field error of the API next to its field', async () => {
    vi.spyOn(api, 'getState').mockReturnValue({ status: 'signedOut' })
    vi.spyOn(api, 'signUp').mockRejectedValue(
      new ApiError({
        status: 400,
        code: 'validation_failed',
        message: 'invalid request',
        details: [
          { field: 'username', message: 'is already taken' },
          { field: 'password', message: 'is too common' },
        ],
      }),
    )
    render(
      <MemoryRouter initialEntries={['/sign-up']}>
        <SignUpPage />
      </MemoryRouter>,
    )
    await userEvent.type(screen.getByLabelText('Username'), 'alice')
    await userEvent.type(screen.getByLabelText('Email'), 'alice@example.com')
    await userEvent.type(screen.getByLabelText('Password'), 'password123')
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }))

    const username = await screen.findByLabelText('Username')
    expect(username).toHaveAttribute('aria-invalid', 'true')
    expect(username).toHaveAccessibleDescription(expect.stringContaining('is already taken'))
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(expect.stringContaining('is too common'))
    expect(screen.getByLabelText('Email')).not.toHaveAttribute('aria-invalid')
    expect(screen.getByRole('alert')).toHaveTextContent('Please fix the fields marked below.')
  })

  it('says in words when the server cannot be reached', async () => {
    vi.spyOn(api, 'getState').mockReturnValue({ status: 'signedOut' })
    const { NetworkError } = await import('../../api/errors')
    vi.spyOn(api, 'signUp').mockRejectedValue(new NetworkError())
    render(
      <MemoryRouter>
        <SignUpPage />
      </MemoryRouter>,
    )
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('could not be reached')
  })
})
