import { useEffect, useState, type FormEvent } from 'react'
import { Link, useSearchParams } from 'react-router'
import { useQuery } from '../../api/query'
import { ErrorMessage } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { Pager } from '../../ui/Pager'
import { SelectField, TextField } from '../../ui/Field'
import { SkeletonBlock } from '../../ui/Skeleton'
import { useAttemptedQuestions } from '../history/api'
import { DIFFICULTIES, difficultyName, fetchQuestions, PAGE_SIZE, topicName, useTopics } from './api'

/** The question bank: search, filters and pages, all kept in the address so they survive a reload and a back. */
export default function QuestionBankPage() {
  const [params, setParams] = useSearchParams()
  const q = params.get('q') ?? ''
  const difficulty = params.get('difficulty') ?? ''
  const topic = params.get('topic') ?? ''
  const page = Math.max(1, Number(params.get('page')) || 1)
  const [search, setSearch] = useState(q)
  const topics = useTopics()
  const attempted = useAttemptedQuestions()
  const filter = { q, difficulty, topic, page }
  const list = useQuery(`questions:${JSON.stringify(filter)}`, () => fetchQuestions(filter), { staleMs: 30_000 })
  const done = new Set(attempted.data?.question_ids ?? [])

  useEffect(() => {
    document.title = 'Questions · PeerPrep'
  }, [])

  function update(next: Record<string, string>) {
    const p = new URLSearchParams(params)
    for (const [k, v] of Object.entries(next)) {
      if (v) p.set(k, v)
      else p.delete(k)
    }
    if (!('page' in next)) p.delete('page')
    setParams(p)
  }

  function onSearch(e: FormEvent) {
    e.preventDefault()
    update({ q: search.trim() })
  }

  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / PAGE_SIZE)) : 1

  return (
    <main id="main" className="page">
      <h1>Question bank</h1>
      <form role="search" aria-label="Questions" className="filters" onSubmit={onSearch}>
        <TextField label="Search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        <Button type="submit" variant="secondary">
          Search
        </Button>
        <SelectField
          label="Difficulty"
          value={difficulty}
          onChange={(e) => update({ difficulty: e.target.value })}
          options={[{ value: '', label: 'Any difficulty' }, ...DIFFICULTIES.map((d) => ({ value: d, label: difficultyName(d) }))]}
        />
        <SelectField
          label="Topic"
          value={topic}
          onChange={(e) => update({ topic: e.target.value })}
          options={[{ value: '', label: 'Any topic' }, ...(topics.data ?? []).map((t) => ({ value: t.slug, label: t.name }))]}
        />
      </form>
      {list.error != null ? (
        <ErrorMessage error={list.error} onRetry={() => void list.reload()} title="Could not load the questions" />
      ) : !list.data ? (
        <SkeletonBlock label="Loading questions…" lines={6} />
      ) : list.data.items.length === 0 ? (
        <p>No question matches. Try another search or filter.</p>
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {list.data.total} {list.data.total === 1 ? 'question' : 'questions'}
            {attempted.data ? `, ${list.data.items.filter((x) => done.has(x.id)).length} on this page attempted` : ''}
          </p>
          <ul className="question-list" aria-label="Questions">
            {list.data.items.map((x) => (
              <li key={x.id}>
                <Link to={`/questions/${x.slug}`}>{x.title}</Link>
                <span className={`badge badge-${x.difficulty}`}>{difficultyName(x.difficulty)}</span>
                {x.topics.map((t) => (
                  <span key={t} className="badge">
                    {topicName(topics.data, t)}
                  </span>
                ))}
                {done.has(x.id) && <span className="attempted">✓ Attempted</span>}
              </li>
            ))}
          </ul>
          <Pager page={page} pages={pages} onPage={(n) => update({ page: String(n) })} />
        </>
      )}
    </main>
  )
}
