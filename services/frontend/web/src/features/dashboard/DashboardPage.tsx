import { FeedbackAverages } from '../feedback/FeedbackAverages'
import { PendingFeedbackBanner } from '../feedback/PendingFeedbackBanner'
import { useEffect, useMemo } from 'react'
import { Link } from 'react-router'
import { useQuery } from '../../api/query'
import { ErrorMessage } from '../../ui/Alert'
import { BarChart } from '../../ui/charts/BarChart'
import { CalendarHeatmap } from '../../ui/charts/CalendarHeatmap'
import { SkeletonBlock } from '../../ui/Skeleton'
import { useMe } from '../auth/useAuth'
import { fetchAttempts, formatDuration, useStats, type Attempt } from '../history/api'
import { loadLastCriteria, matchLink } from '../matching/lastCriteria'
import { DIFFICULTIES, difficultyName, languageName, topicName, useTopics } from '../questions/api'

const TOP_TOPICS = 8

export default function DashboardPage() {
  const me = useMe()
  const stats = useStats()
  const recent = useQuery('attempts:recent', () => fetchAttempts(undefined, {}, 5), { staleMs: 10_000 })
  const topics = useTopics()

  useEffect(() => {
    document.title = 'Dashboard · PeerPrep'
  }, [])

  const last = useMemo(() => {
    const saved = loadLastCriteria()
    if (saved) return saved
    const a: Attempt | undefined = recent.data?.items[0]
    if (a?.question.difficulty && a.question.topics[0]) return { difficulty: a.question.difficulty, topic: a.question.topics[0], language: a.language }
    return null
  }, [recent.data])

  const s = stats.data
  const topicBars = s
    ? Object.entries(s.by_topic)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, TOP_TOPICS)
        .map(([slug, n]) => ({ label: topicName(topics.data, slug), value: n }))
    : []

  return (
    <main id="main" className="page page-wide">
      <h1>Welcome back, {me.display_name || me.username}</h1>
      <PendingFeedbackBanner />

      <section className="card" aria-labelledby="find-entry">
        <h2 id="find-entry">Practise now</h2>
        {last ? (
          <p>
            <Link className="btn btn-primary" to={matchLink(last)}>
              Find a match: {difficultyName(last.difficulty)} · {topicName(topics.data, last.topic)} · {languageName(last.language)}
            </Link>{' '}
            <Link to="/match">Other criteria</Link>
          </p>
        ) : (
          <p>
            <Link className="btn btn-primary" to="/match">
              Find your first match
            </Link>{' '}
            or <Link to="/questions">browse the question bank</Link>.
          </p>
        )}
        <p>
          Or <Link to="/invite">invite a friend</Link> to a private session.
        </p>
      </section>

      {stats.error != null ? (
        <ErrorMessage error={stats.error} onRetry={() => void stats.reload()} title="Could not load your progress" />
      ) : !s ? (
        <SkeletonBlock label="Loading your progress…" lines={3} tall />
      ) : (
        <>
          <section aria-labelledby="totals" className="card">
            <h2 id="totals">Your progress</h2>
            <dl className="stat-row">
              <div>
                <dt>Attempts</dt>
                <dd className="stat-value">{s.total}</dd>
              </div>
              <div>
                <dt>Questions</dt>
                <dd className="stat-value">{s.distinct_questions}</dd>
              </div>
              <div>
                <dt>Current streak</dt>
                <dd className="stat-value">
                  {s.current_streak} {s.current_streak === 1 ? 'day' : 'days'}
                </dd>
              </div>
              <div>
                <dt>Longest streak</dt>
                <dd className="stat-value">
                  {s.longest_streak} {s.longest_streak === 1 ? 'day' : 'days'}
                </dd>
              </div>
            </dl>
            <h3 id="calendar">Activity in the past year</h3>
            <CalendarHeatmap days={s.by_day} label="Activity in the past year" />
          </section>
          <div className="cards">
            <section aria-labelledby="by-difficulty" className="card">
              <h2 id="by-difficulty">By difficulty</h2>
              <BarChart title="Attempts by difficulty" bars={DIFFICULTIES.map((d) => ({ label: difficultyName(d), value: s.by_difficulty[d] ?? 0 }))} />
            </section>
            <section aria-labelledby="by-topic" className="card">
              <h2 id="by-topic">By topic</h2>
              {topicBars.length ? <BarChart title="Attempts by topic" bars={topicBars} /> : <p className="muted">No attempts yet.</p>}
            </section>
          </div>
        </>
      )}

      <section aria-labelledby="recent" className="card">
        <h2 id="recent">Recent attempts</h2>
        {recent.error != null ? (
          <ErrorMessage error={recent.error} onRetry={() => void recent.reload()} title="Could not load your recent attempts" />
        ) : !recent.data ? (
          <SkeletonBlock label="Loading recent attempts…" lines={3} />
        ) : recent.data.items.length === 0 ? (
          <p>No attempts yet.</p>
        ) : (
          <>
            <ul className="question-list" aria-label="Recent attempts">
              {recent.data.items.map((a) => (
                <li key={a.id}>
                  <Link to={`/history/${a.id}`}>{a.question.title ?? 'Question details unavailable'}</Link>
                  <span className="muted">
                    with {a.partner.username ?? 'a former user'} · {formatDuration(a.duration_seconds)} ·{' '}
                    <time dateTime={a.ended_at}>{new Date(a.ended_at).toLocaleDateString()}</time>
                  </span>
                </li>
              ))}
            </ul>
            <p>
              <Link to="/history">All your history</Link>
            </p>
          </>
        )}
      </section>
      <div className="card">
        <FeedbackAverages />
      </div>
    </main>
  )
}
