import { describe, expect, it } from 'vitest'
import { backoff, connReducer, initialConn, type ConnAction, type ConnState } from './connection'

const run = (s: ConnState, ...a: ConnAction[]) => a.reduce(connReducer, s)

describe('connection state', () => {
  it('connects, drops and reconnects', () => {
    let s = run(initialConn(), { type: 'connecting' })
    expect(s.status).toBe('connecting')
    s = run(s, { type: 'open' })
    expect(s).toMatchObject({ status: 'open', everOpened: true, attempts: 0 })
    s = run(s, { type: 'closed', code: 1012 })
    expect(s).toMatchObject({ status: 'reconnecting', attempts: 1 })
    s = run(s, { type: 'connecting' }, { type: 'closed', code: 1006 }, { type: 'connecting' })
    expect(s).toMatchObject({ status: 'reconnecting', attempts: 2 })
    expect(run(s, { type: 'open' })).toMatchObject({ status: 'open', attempts: 0 })
  })

  it('says offline while the browser is offline, and reconnecting once it is back', () => {
    let s = run(initialConn(), { type: 'open' }, { type: 'offline' }, { type: 'closed', code: 1006 })
    expect(s.status).toBe('offline')
    s = run(s, { type: 'connecting' })
    expect(s.status).toBe('offline')
    s = run(s, { type: 'online' })
    expect(s.status).toBe('reconnecting')
  })

  it('a permanent close (session ended) stays closed', () => {
    const s = run(initialConn(), { type: 'open' }, { type: 'closed', code: 4410, permanent: true })
    expect(s).toMatchObject({ status: 'closed', closeCode: 4410 })
    expect(run(s, { type: 'connecting' }, { type: 'open' })).toBe(s)
  })

  it('backs off from a quarter second up to ten seconds', () => {
    const mid = () => 0.5
    expect(backoff(1, mid)).toBe(250)
    expect(backoff(3, mid)).toBe(1000)
    expect(backoff(20, mid)).toBe(10_000)
  })
})
