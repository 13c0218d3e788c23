import { useEffect, useState } from 'react'

/** useNow re-renders every `every` ms while active, returning Date.now(). */
export function useNow(active: boolean, every = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    const first = setTimeout(() => setNow(Date.now()), 0)
    const t = setInterval(() => setNow(Date.now()), every)
    return () => {
      clearTimeout(first)
      clearInterval(t)
    }
  }, [active, every])
  return now
}

/** clock formats milliseconds as m:ss. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}
