import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '../../api/client'
import { saveSnapshot } from './api'

afterEach(() => vi.restoreAllMocks())

describe('saveSnapshot', () => {
  it('names the question of a mock interview document', async () => {
    const put = vi.spyOn(api, 'put').mockResolvedValue(undefined)
    await saveSnapshot('s1', 'first()', 'python', 'q1')
    expect(put).toHaveBeenCalledWith('/collaboration-service-api/sessions/s1/snapshot', { code: 'first()', language: 'python', question_id: 'q1' })
  })

  it('sends only the code and language otherwise', async () => {
    const put = vi.spyOn(api, 'put').mockResolvedValue(undefined)
    await saveSnapshot('s1', 'x = 1', 'python')
    expect(put).toHaveBeenCalledWith('/collaboration-service-api/sessions/s1/snapshot', { code: 'x = 1', language: 'python' })
  })
})
