import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { ApiError, NetworkError } from '../../api/errors'
import { clearQueries } from '../../api/query'
import type { Run } from './api'
import { RunPanel } from './RunPanel'

const SESSION = '11111111-1111-4111-8111-111111111111'
const QUESTION = '33333333-3333-4333-8333-333333333333'

function run(over: Partial<Run> = {}): Run {
  return {
    id: 'r1',
    user_id: 'ann-id',
    username: 'ann',
    session_id: SESSION,
    question_id: QUESTION,
    language: 'python',
    mode: 'run',
    verdict: 'accepted',
    message: '2 of 2 cases passed',
    created_at: '2026-12-03T10:00:00Z',
    time_ms: 41.73,
    memory_bytes: 3 * 1024 * 1024,
    cases: [
      { index: 0, hidden: false, input: [[2, 7, 11, 15], 9], expected: [0, 1], actual: [0, 1], passed: true, time_ms: 3.14159, stdout: '' },
      { index: 1, hidden: false, input: [[3, 2, 4], 6], expected: [1, 2], actual: [1, 2], passed: true, time_ms: 2, stdout: 'debug <b>x</b>\n' },
    ],
    first_failed_hidden: null,
    error: null,
    ...over,
  }
}

let sessionRuns: Run[] = []

function show(language = 'python', ready = true) {
  const getCode = vi.fn(() => (ready ? { code: 'def two_sum(nums, target):\n    pass\n', language } : null))
  render(
    <RunPanel
      sessionId={SESSION}
      questionId={QUESTION}
      signature="twoSum(nums int[], target int) int[]"
      sampleCases={[{ input: [[2, 7, 11, 15], 9], expected: [0, 1] }]}
      getCode={getCode}
    />,
  )
  return { getCode, user: userEvent.setup() }
}

function mockPost(...answers: (Run | Error)[]) {
  const post = vi.spyOn(api, 'post')
  for (const a of answers) {
    if (a instanceof Error) post.mockRejectedValueOnce(a)
    else post.mockResolvedValueOnce(a)
  }
  return post
}

beforeEach(() => {
  clearQueries()
  sessionRuns = []
  vi.spyOn(api, 'get').mockImplementation(async (path: string) => {
    if (path === `/execution-service-api/runs?session_id=${SESSION}`) return { runs: sessionRuns }
    throw new ApiError({ status: 404, code: 'not_found', message: 'not found' })
  })
})
afterEach(() => vi.restoreAllMocks())

describe('RunPanel', () => {
  it('runs the sample cases and shows each case as text', async () => {
    const post = mockPost(run())
    const { user } = show()
    await screen.findByText('No runs yet. Press Run to try the sample cases.')
    await user.click(screen.getByRole('button', { name: 'Run' }))
    const result = await screen.findByRole('region', { name: 'Latest result' })
    expect(within(result).getByRole('heading', { name: 'Accepted' })).toBeInTheDocument()
    expect(within(result).getByText('2 of 2 cases passed')).toBeInTheDocument()
    expect(within(result).getByText('42 ms · 3.0 MB')).toBeInTheDocument()
    const cases = within(result).getByRole('list', { name: 'Cases' })
    expect(within(cases).getAllByRole('listitem')).toHaveLength(2)
    expect(within(cases).getByText('Case 1:', { exact: false })).toHaveTextContent('Case 1: passed · 3.1 ms')
    expect(within(cases).getByText('[2,7,11,15]\n9', { normalizer: (s) => s })).toBeInTheDocument()
    // Printed output is text, never markup.
    expect(within(cases).getByText('debug <b>x</b>', { exact: false })).toBeInTheDocument()
    expect(result.querySelector('b')).toBeNull()
    expect(post).toHaveBeenCalledWith('/execution-service-api/runs', {
      question_id: QUESTION,
      language: 'python',
      code: 'def two_sum(nums, target):\n    pass\n',
      mode: 'run',
      session_id: SESSION,
    })
    expect(screen.getByRole('status')).toHaveTextContent('Accepted. 2 of 2 cases passed')
  })

  it('disables the buttons and says "Running…" while a run is in flight', async () => {
    let resolve!: (r: Run) => void
    vi.spyOn(api, 'post').mockReturnValueOnce(new Promise<Run>((r) => (resolve = r)) as Promise<never>)
    const { user } = show()
    await user.click(screen.getByRole('button', { name: 'Submit' }))
    expect(screen.getByRole('status')).toHaveTextContent('Running…')
    for (const name of ['Run', 'Submit', 'Run custom input']) expect(screen.getByRole('button', { name })).toBeDisabled()
    resolve(run({ mode: 'submit' }))
    await within(await screen.findByRole('region', { name: 'Latest result' })).findByRole('heading', { name: 'Accepted' })
    expect(screen.getByRole('button', { name: 'Submit' })).toBeEnabled()
  })

  it('shows a wrong answer with a failed hidden case by number only', async () => {
    mockPost(
      run({
        mode: 'submit',
        verdict: 'wrong_answer',
        message: '3 of 4 cases passed',
        cases: [
          { index: 0, hidden: false, input: [[3, 3], 6], expected: [0, 1], actual: [0, 1], passed: true, time_ms: 1, stdout: '' },
          { index: 1, hidden: true, passed: true },
          { index: 2, hidden: true, passed: true },
          { index: 3, hidden: true, passed: false },
        ],
        first_failed_hidden: 3,
      }),
    )
    const { user } = show()
    await user.click(screen.getByRole('button', { name: 'Submit' }))
    const result = await screen.findByRole('region', { name: 'Latest result' })
    expect(within(result).getByRole('heading', { name: 'Wrong answer' })).toBeInTheDocument()
    const hidden = within(result).getByRole('list', { name: 'Hidden cases' })
    expect(within(hidden).getByText('Hidden case 4: failed')).toBeInTheDocument()
    expect(within(hidden).getByText('Hidden case 2: passed')).toBeInTheDocument()
    expect(within(result).getByText('3 of 4 cases passed')).toBeInTheDocument()
    expect(vi.mocked(api.post).mock.calls[0][1]).toMatchObject({ mode: 'submit' })
  })

  it('shows a runtime error with its type, message and line', async () => {
    mockPost(
      run({
        verdict: 'runtime_error',
        message: 'ZeroDivisionError on line 4',
        cases: [
          {
            index: 0,
            hidden: false,
            input: [[1], 1],
            expected: [0, 0],
            passed: false,
            time_ms: 1,
            stdout: 'before\n',
            error: { type: 'ZeroDivisionError', message: 'division by zero', line: 4 },
          },
        ],
        error: { type: 'ZeroDivisionError', message: 'division by zero', line: 4 },
      }),
    )
    const { user } = show()
    await user.click(screen.getByRole('button', { name: 'Run' }))
    const result = await screen.findByRole('region', { name: 'Latest result' })
    expect(within(result).getByRole('heading', { name: 'Runtime error' })).toBeInTheDocument()
    expect(within(result).getAllByText('ZeroDivisionError: division by zero (line 4)')).toHaveLength(2)
    expect(within(result).getByText('Case 1:', { exact: false })).toHaveTextContent('Case 1: failed')
    expect(within(result).getByText('before', { exact: false })).toBeInTheDocument()
  })

  it.each([
    ['busy', 'Every runner is busy right now. Try again in 1 s.', 1],
    ['rate_limited', 'You have run code many times in the last minute. Try again in 12 s.', 12],
  ])('says a 429 (%s) in words with the time to wait, and retries', async (code, text, retryAfter) => {
    const post = mockPost(new ApiError({ status: 429, code, message: 'busy', retryAfter }), run())
    const { user } = show()
    await user.click(screen.getByRole('button', { name: 'Submit' }))
    expect(await screen.findByText(text)).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    await within(await screen.findByRole('region', { name: 'Latest result' })).findByRole('heading', { name: 'Accepted' })
    expect(post).toHaveBeenCalledTimes(2)
    expect(post.mock.calls[1][1]).toMatchObject({ mode: 'submit' })
    expect(screen.queryByText(text)).not.toBeInTheDocument()
  })

  it('says a language cannot run yet, named from the editor language', async () => {
    mockPost(run({ language: 'java', verdict: 'unsupported_language', message: 'running Java is not available yet', cases: [], time_ms: 0, memory_bytes: 0 }))
    const { user } = show('java')
    await user.click(screen.getByRole('button', { name: 'Run' }))
    const result = await screen.findByRole('region', { name: 'Latest result' })
    expect(within(result).getByText('Running Java is not available yet.')).toBeInTheDocument()
    expect(vi.mocked(api.post).mock.calls[0][1]).toMatchObject({ language: 'java' })
  })

  it('says a network error in words and offers a retry', async () => {
    mockPost(new NetworkError(), run())
    const { user } = show()
    await user.click(screen.getByRole('button', { name: 'Run' }))
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Could not run the code')
    expect(alert).toHaveTextContent('The server could not be reached.')
    await user.click(within(alert).getByRole('button', { name: 'Try again' }))
    await within(await screen.findByRole('region', { name: 'Latest result' })).findByRole('heading', { name: 'Accepted' })
  })

  it('says so when Run is pressed before the editor has loaded, and sends nothing', async () => {
    const post = mockPost(run())
    const { user } = show('python', false)
    await user.click(screen.getByRole('button', { name: 'Run' }))
    expect(await screen.findByText('The editor is not ready yet. Try again once it has loaded.')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument()
    expect(post).not.toHaveBeenCalled()
  })

  it('runs custom input, prefilled from the first sample case, and shows a stdin error at the box', async () => {
    const post = mockPost(
      new ApiError({ status: 400, code: 'validation_failed', message: 'invalid', details: [{ field: 'stdin', message: 'line 2: expected int' }] }),
      run({
        verdict: 'accepted',
        message: 'ran without errors',
        cases: [{ index: 0, hidden: false, custom: true, input: [[1, 2], 3], expected: null, actual: [0, 1], passed: null, time_ms: 1, stdout: '' }],
      }),
    )
    const { user } = show()
    const box = screen.getByLabelText('Custom input')
    expect(box).toHaveValue('[2,7,11,15]\n9')
    expect(screen.getByText('One JSON value per line, one line per parameter (nums int[], target int).')).toBeInTheDocument()
    await user.clear(box)
    await user.click(box)
    await user.paste('[1,2]\nx')
    await user.click(screen.getByRole('button', { name: 'Run custom input' }))
    expect(await screen.findByText('line 2: expected int')).toBeInTheDocument()
    expect(box).toHaveAttribute('aria-invalid', 'true')
    expect(post.mock.calls[0][1]).toMatchObject({ mode: 'run', stdin: '[1,2]\nx' })
    await user.clear(box)
    await user.click(box)
    await user.paste('[1,2]\n3')
    await user.click(screen.getByRole('button', { name: 'Run custom input' }))
    const result = await screen.findByRole('region', { name: 'Latest result' })
    expect(within(result).getByRole('heading', { name: 'Finished' })).toBeInTheDocument()
    expect(within(result).getByText('Custom input')).toBeInTheDocument()
    expect(within(result).queryByText('Expected')).not.toBeInTheDocument()
    expect(box).not.toHaveAttribute('aria-invalid')
  })

  it('shows the partner’s runs, newest first, with who ran them', async () => {
    sessionRuns = [
      run({ id: 'r3', username: 'bob', mode: 'submit', created_at: '2026-12-03T10:02:00Z', cases: [...run().cases, { index: 2, hidden: true, passed: true }] }),
      run({
        id: 'r2',
        username: 'ann',
        verdict: 'wrong_answer',
        message: '1 of 2 cases passed',
        created_at: '2026-12-03T10:01:00Z',
        cases: [run().cases[0], { index: 1, hidden: false, input: [[3, 2, 4], 6], expected: [1, 2], actual: [0, 0], passed: false, time_ms: 1, stdout: '' }],
      }),
    ]
    show()
    const list = await screen.findByRole('list', { name: 'Runs in this session' })
    const items = [...list.children]
    expect(items[0]).toHaveTextContent(/^bob submitted · Accepted · 3\/3/)
    expect(items[1]).toHaveTextContent(/^ann ran · Wrong answer · 1\/2/)
    // The latest result is the partner's newest run: both screens show the same verdict.
    const result = screen.getByRole('region', { name: 'Latest result' })
    expect(within(result).getByRole('heading', { name: 'Accepted' })).toBeInTheDocument()
    // A run of the list expands to its result.
    await userEvent.setup().click(within(items[1] as HTMLElement).getByText(/^ann ran/))
    expect(await within(items[1] as HTMLElement).findByRole('heading', { name: 'Wrong answer' })).toBeInTheDocument()
    expect(within(items[1] as HTMLElement).getByText('Case 2:', { exact: false })).toHaveTextContent('Case 2: failed')
  })

  it('says when the session’s runs cannot be read, with a retry', async () => {
    vi.mocked(api.get).mockRejectedValueOnce(new ApiError({ status: 503, code: 'unavailable', message: 'down' }))
    show()
    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent("Could not load the session's runs")
    await userEvent.setup().click(within(alert).getByRole('button', { name: 'Try again' }))
    await screen.findByText('No runs yet. Press Run to try the sample cases.')
    await waitFor(() => expect(screen.queryByRole('alert')).not.toBeInTheDocument())
  })
})
