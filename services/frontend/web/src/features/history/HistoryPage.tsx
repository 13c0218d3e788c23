import { useEffect, useState } from 'react'
import { Link } from 'react-router'
import { useQuery } from '../../api/query'
import { ErrorMessage, Loading } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { difficultyName, languageName } from '../questions/api'
import { fetchAttempts, formatDuration, type Attempt } from './api'

export function attemptTitle(a: Attempt): string {
  return a.question.title ?? 'Question details unavailable'
}

export default function HistoryPage() {
  const first = useQuery('attempts:first', () => fetchAttempts(), { staleMs: 0 })
  const [more, setMore] = useState<Attempt[]>([])
  const [cursor, setCursor] = useState<string | null | undefined>(undefined)
  const [loadingMore, setLoadingMore] = useState(false)
  const [moreError, setMoreError] = useState<unknown>(null)

  useEffect(() => {
    document.title = 'History · PeerPrep'
  }, [])

  const next = cursor === undefined ? first.data?.next_cursor : cursor
  const items = [...(first.data?.items ?? []), ...more]

  async function loadMore() {
    if (!next) return
    setLoadingMore(true)
    setMoreError(null)
    try {
      const page = await fetchAttempts(next)
      setMore((m) => [...m, ...page.items])
      setCursor(page.next_cursor)
    } catch (e) {
      setMoreError(e)
    } finally {
      setLoadingMore(false)
    }
  }

  return (
    <main id="main" className="page">
      <h1>Your history</h1>
      {first.error != null ? (
        <ErrorMessage error={first.error} onRetry={() => void first.reload()} title="Could not load your history" />
      ) : !first.data ? (
        <Loading label="Loading your attempts…" />
      ) : items.length === 0 ? (
        <p>
          No attempts yet. <Link to="/">Find a match</Link> to start one.
        </p>
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
                  with {a.partner.username ?? 'a former user'} · {languageName(a.language)} · {formatDuration(a.duration_seconds)} ·{' '}
                  <time dateTime={a.ended_at}>{new Date(a.ended_at).toLocaleString()}</time>
                </p>
              </li>
            ))}
          </ol>
          {moreError != null && <ErrorMessage error={moreError} onRetry={() => void loadMore()} />}
          {next && (
            <Button variant="secondary" onClick={() => void loadMore()} busy={loadingMore}>
              {loadingMore ? 'Loading…' : 'Load more'}
            </Button>
          )}
        </>
      )}
    </main>
  )
}
