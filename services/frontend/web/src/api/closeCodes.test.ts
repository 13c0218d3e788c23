import { describe, expect, it } from 'vitest'
import { afterClose, retryAfterMs } from './closeCodes'

describe('after a socket closes', () => {
  it('refreshes the token and reconnects at once after 4401', () => {
    expect(afterClose(4401, 'token expired — refresh and reconnect')).toEqual({ action: 'refresh' })
  })

  it('waits as long as a 4429 says, and says so in words', () => {
    const a = afterClose(4429, 'rate limited; retry in 3 s')
    expect(a).toMatchObject({ action: 'wait', ms: 3000 })
    expect(a.action === 'wait' && a.message).toMatch(/faster than the server accepts.*3 s/)
    expect(retryAfterMs('something else')).toBe(5000)
    expect(retryAfterMs('rate limited; retry in 100000 s')).toBe(300_000)
  })

  it('stops after 4413 with the reason in words', () => {
    const a = afterClose(4413, 'a change larger than 256 KiB')
    expect(a.action).toBe('stop')
    expect(a.action === 'stop' && a.message).toMatch(/not shared: a change larger than 256 KiB/)
  })

  it('stops after other 44xx codes and retries after the rest', () => {
    expect(afterClose(4410)).toEqual({ action: 'stop' })
    expect(afterClose(1012)).toEqual({ action: 'retry' })
    expect(afterClose(1006)).toEqual({ action: 'retry' })
  })
})
