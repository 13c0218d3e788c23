import { useEffect, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { useQuery } from '../../api/query'
import { ErrorMessage } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { SelectField, TextField } from '../../ui/Field'
import { SkeletonBlock } from '../../ui/Skeleton'
import { DIFFICULTIES, difficultyName, languageName, topicName, useTopics } from '../questions/api'
import { fetchAttempts, formatDuration, type Attempt, type AttemptFilter } from './api'

export function attemptTitle(a: Attempt): string {
  return a.question.title ?? 'Question details unavailable'
}

const FILTERS = ['question_id', 'difficulty', 'topic', 'from', 'to'] as const

/**
 * The history: filters in the address (so a reload or a back keeps them),
 * pages by the API's keyset cursor. The cursors of the pages seen are
 * kept so "Previous page" goes back without offsets.
 */
export default function HistoryPage() {
  const [params, setParams] = useSearchParams()
  const filter: AttemptFilter = {}
  for (const k of FILTERS) {
    const v = params.get(k)
    if (v) filter[k] = v
  }
  const key = JSON.stringify(filter)
  // cursors[i] is the cursor of page i+1 (page 1 has none).
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key, cursors: [] })
  const cursors = paging.key === key ? paging.cursors : []
  const cursor = cursors.at(-1)
  const pageNo = cursors.length + 1
  const page = useQuery(`attempts:${key}:${cursor ?? ''}`, () => fetchAttempts(cursor, filter), { staleMs: 10_000 })
  const topics = useTopics()
  const [from, setFrom] = useState(filter.from ?? '')
  const [to, setTo] = useState(filter.to ?? '')

  useEffect(() => {
    document.title = 'History · PeerPrep'
  }, [])

  function update(next: Partial<Record<(typeof FILTERS)[number], string>>) {
    const p = new URLSearchParams(params)
    for (const [k, v] of Object.entries(next)) {
      if (v) p.set(k, v)
      else p.delete(k)
    }
    setParams(p)
  }

  const filtered = FILTERS.some((k) => filter[k])
  const items = page.data?.items ?? []

  return (
    <main id="main" className="page">
      <h1>Your history</h1>
      <form
        className="filters"
        aria-label="Filter attempts"
        onSubmit={(e) => {
          e.preventDefault()
          update({ from, to })
        }}
      >
        <SelectField
          label="Difficulty"
          value={filter.difficulty ?? ''}
          onChange={(e) => update({ difficulty: e.target.value })}
          options={[{ value: '', label: 'Any difficulty' }, ...DIFFICULTIES.map((d) => ({ value: d, label: difficultyName(d) }))]}
        />
        <SelectField
          label="Topic"
          value={filter.topic ?? ''}
          onChange={(e) => update({ topic: e.target.value })}
          options={[{ value: '', label: 'Any topic' }, ...(topics.data ?? []).map((t) => ({ value: t.slug, label: t.name }))]}
        />
        <TextField label="From" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="To" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        <Button type="submit" variant="secondary">
          Apply dates
        </Button>
        {filtered && (
          <Button
            variant="link"
            onClick={() => {
              setFrom('')
              setTo('')
              setParams(new URLSearchParams())
            }}
          >
            Clear filters
          </Button>
        )}
      </form>
      {filter.question_id && (
        <p className="muted">Showing the attempts of one question{items[0]?.question.title ? `: ${items[0].question.title}` : ''}.</p>
      )}
      {page.error != null ? (
        <ErrorMessage error={page.error} onRetry={() => void page.reload()} title="Could not load your history" />
      ) : !page.data ? (
        <SkeletonBlock label="Loading your attempts…" lines={5} />
      ) : items.length === 0 ? (
        filtered ? (
          <p>No attempt matches these filters.</p>
        ) : (
          <p>
            No attempts yet. <Link to="/match">Find a match</Link> to start one.
          </p>
        )
      ) : (
        <>
          <ol className="attempts" aria-label="Attempts, newest first">
            {items.map((a) => (
              <li key={a.id} className="attempt-card">
                <h2>
                  <Link to={`/history/${a.id}`}>{attemptTitle(a)}</Link>
                </h2>
                <p className="muted">
                  {a.question.difficulty && <span className={`badge badge-${a.question.difficulty}`}>{difficultyName(a.question.difficulty)}</span>}{' '}
                  {a.question.topics.map((t) => topicName(topics.data, t)).join(', ')} · with {a.partner.username ?? 'a former user'} ·{' '}
                  {languageName(a.language)} · {formatDuration(a.duration_seconds)} · <time dateTime={a.ended_at}>{new Date(a.ended_at).toLocaleString()}</time>
                </p>
              </li>
            ))}
          </ol>
        </>
      )}
      {page.data && (pageNo > 1 || page.data.next_cursor) && (
        <nav className="pager" aria-label="Pages">
          <Button variant="secondary" disabled={pageNo <= 1} onClick={() => setPaging({ key, cursors: cursors.slice(0, -1) })}>
            Previous page
          </Button>
          <span>Page {pageNo}</span>
          <Button
            variant="secondary"
            disabled={!page.data.next_cursor}
            onClick={() => page.data?.next_cursor && setPaging({ key, cursors: [...cursors, page.data.next_cursor] })}
          >
            Next page
          </Button>
        </nav>
      )}
    </main>
  )
}
