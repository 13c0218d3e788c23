// The criteria of the last match request, kept in localStorage (a
// preference, not a secret) for the dashboard's "find a match" entry.
import type { Criteria } from './api'

const KEY = 'peerprep-last-criteria'

export function saveLastCriteria(c: Criteria) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ difficulty: c.difficulty, topic: c.topic, language: c.language ?? '' }))
  } catch {
    // Storage refused (private mode): nothing to remember.
  }
}

export function loadLastCriteria(): Criteria | null {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? 'null') as unknown
    if (v && typeof v === 'object' && 'difficulty' in v && 'topic' in v && typeof v.difficulty === 'string' && typeof v.topic === 'string') {
      const lang = 'language' in v && typeof v.language === 'string' && v.language ? v.language : undefined
      return { difficulty: v.difficulty, topic: v.topic, language: lang }
    }
  } catch {
    // Unreadable: as if never saved.
  }
  return null
}

/** matchLink is the find-a-match page prefilled with c. */
export function matchLink(c: Partial<Criteria>): string {
  const q = new URLSearchParams()
  if (c.difficulty) q.set('difficulty', c.difficulty)
  if (c.topic) q.set('topic', c.topic)
  if (c.language) q.set('language', c.language)
  const s = q.toString()
  return s ? `/match?${s}` : '/match'
}
