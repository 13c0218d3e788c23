import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { BarChart } from './BarChart'
import { CalendarHeatmap, level } from './CalendarHeatmap'

describe('CalendarHeatmap', () => {
  it('buckets counts into five shades', () => {
    expect([0, 1, 2, 3, 4, 5, 40].map(level)).toEqual([0, 1, 2, 3, 3, 4, 4])
  })

  it('is one named image with a square per day, each titled with its day and count', () => {
    // 2026-03-01 is a Sunday: the first column is full.
    const days = Array.from({ length: 14 }, (_, i) => ({ date: `2026-03-${String(i + 1).padStart(2, '0')}`, count: i === 3 ? 2 : 0 }))
    const { container } = render(<CalendarHeatmap days={days} label="Activity in the past year" />)
    expect(screen.getByRole('img', { name: 'Activity in the past year: 2 attempts on 1 day' })).toBeInTheDocument()
    const rects = container.querySelectorAll('svg[role="img"] rect')
    expect(rects).toHaveLength(14)
    expect(rects[3].querySelector('title')?.textContent).toBe('2026-03-04: 2 attempts')
    // Wednesday the 4th sits in the first week's fourth row.
    expect(rects[3].getAttribute('y')).toBe(String(16 + 3 * 13))
  })
})

describe('BarChart', () => {
  it('names every value, so no number is only a length', () => {
    render(<BarChart title="Attempts by difficulty" bars={[{ label: 'Easy', value: 3 }, { label: 'Hard', value: 0 }]} />)
    expect(screen.getByRole('img', { name: 'Attempts by difficulty: Easy 3, Hard 0' })).toBeInTheDocument()
  })
})
