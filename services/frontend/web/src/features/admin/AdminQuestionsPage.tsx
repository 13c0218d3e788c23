import { useEffect, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { invalidate, useQuery } from '../../api/query'
import { ErrorMessage } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { Pager } from '../../ui/Pager'
import { Dialog } from '../../ui/Dialog'
import { TextField } from '../../ui/Field'
import { SkeletonBlock } from '../../ui/Skeleton'
import { difficultyName, fetchQuestions, PAGE_SIZE, type QuestionSummary } from '../questions/api'
import { deleteQuestion } from './api'
import { RequireAdmin } from './RequireAdmin'

export default function AdminQuestionsRoute() {
  return (
    <RequireAdmin>
      <AdminQuestionsPage />
    </RequireAdmin>
  )
}

function AdminQuestionsPage() {
  const [params, setParams] = useSearchParams()
  const q = params.get('q') ?? ''
  const page = Math.max(1, Number(params.get('page')) || 1)
  const [search, setSearch] = useState(q)
  const list = useQuery(`questions:admin:${q}:${page}`, () => fetchQuestions({ q, page }), { staleMs: 0 })
  const [doomed, setDoomed] = useState<QuestionSummary | null>(null)
  const [deleting, setDeleting] = useState(false)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    document.title = 'Manage questions · Admin · PeerPrep'
  }, [])

  async function confirmDelete() {
    if (!doomed) return
    setDeleting(true)
    setError(null)
    try {
      await deleteQuestion(doomed.id)
      invalidate('questions:')
      invalidate('topics')
      setDoomed(null)
    } catch (e) {
      setError(e)
    } finally {
      setDeleting(false)
    }
  }

  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / PAGE_SIZE)) : 1
  return (
    <main id="main" className="page">
      <p>
        <Link to="/admin">← Admin</Link>
      </p>
      <h1>Manage questions</h1>
      <p>
        <Link className="btn btn-primary" to="/admin/questions/new">
          New question
        </Link>
      </p>
      <form
        role="search"
        aria-label="Questions"
        className="filters"
        onSubmit={(e) => {
          e.preventDefault()
          setParams(search.trim() ? { q: search.trim() } : {})
        }}
      >
        <TextField label="Search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </form>
      {error != null && <ErrorMessage error={error} title="Could not delete the question" />}
      {list.error != null ? (
        <ErrorMessage error={list.error} onRetry={() => void list.reload()} title="Could not load the questions" />
      ) : !list.data ? (
        <SkeletonBlock label="Loading questions…" lines={6} />
      ) : (
        <>
          <ul className="question-list" aria-label="Questions">
            {list.data.items.map((x) => (
              <li key={x.id}>
                <Link to={`/questions/${x.slug}`}>{x.title}</Link>
                <span className={`badge badge-${x.difficulty}`}>{difficultyName(x.difficulty)}</span>
                <Link to={`/admin/questions/${x.id}`} aria-label={`Edit ${x.title}`}>
                  Edit
                </Link>
                <Button variant="link" onClick={() => setDoomed(x)} aria-label={`Delete ${x.title}`}>
                  Delete
                </Button>
              </li>
            ))}
          </ul>
          <Pager page={page} pages={pages} onPage={(n) => setParams({ ...(q ? { q } : {}), page: String(n) })} />
        </>
      )}
      <Dialog open={doomed !== null} title={`Delete “${doomed?.title ?? ''}”?`} onClose={() => setDoomed(null)}>
          <p>The question leaves the bank at once. Attempts already made keep their copy.</p>
          <Button variant="danger" busy={deleting} onClick={() => void confirmDelete()}>
            Delete the question
          </Button>{' '}
          <Button variant="secondary" onClick={() => setDoomed(null)}>
            Keep it
          </Button>
      </Dialog>
    </main>
  )
}
