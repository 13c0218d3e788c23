import { describe, expect, it } from 'vitest'
import { attemptsQuery, timeZone } from './api'

describe('attemptsQuery', () => {
  it('sends only the filters set, the zone with a date range, and the cursor', () => {
    expect(attemptsQuery({ difficulty: 'hard', topic: '' })).toBe('/history-service-api/attempts?limit=20&difficulty=hard')
    const q = new URL(attemptsQuery({ from: '2026-01-01', to: '2026-01-31' }, 'CUR', 5), 'http://x').searchParams
    expect(Object.fromEntries(q)).toEqual({ limit: '5', from: '2026-01-01', to: '2026-01-31', tz: timeZone(), cursor: 'CUR' })
  })
})
