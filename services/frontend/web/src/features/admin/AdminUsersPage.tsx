import { useEffect, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { type User } from '../../api/client'
import { useQuery } from '../../api/query'
import { Alert, ErrorMessage } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { Pager } from '../../ui/Pager'
import { TextField } from '../../ui/Field'
import { SkeletonBlock } from '../../ui/Skeleton'
import { useMe } from '../auth/useAuth'
import { searchUsers, setRole } from './api'
import { RequireAdmin } from './RequireAdmin'

export default function AdminUsersRoute() {
  return (
    <RequireAdmin>
      <AdminUsersPage />
    </RequireAdmin>
  )
}

function AdminUsersPage() {
  const [params, setParams] = useSearchParams()
  const query = params.get('query') ?? ''
  const page = Math.max(1, Number(params.get('page')) || 1)
  const [search, setSearch] = useState(query)
  const list = useQuery(`users:${query}:${page}`, () => searchUsers(query, page), { staleMs: 0 })

  useEffect(() => {
    document.title = 'Manage users · Admin · PeerPrep'
  }, [])

  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / list.data.limit)) : 1
  return (
    <main id="main" className="page">
      <p>
        <Link to="/admin">← Admin</Link>
      </p>
      <h1>Manage users</h1>
      <form
        role="search"
        aria-label="Users"
        className="filters"
        onSubmit={(e) => {
          e.preventDefault()
          setParams(search.trim() ? { query: search.trim() } : {})
        }}
      >
        <TextField label="Username or email" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </form>
      {list.error != null ? (
        <ErrorMessage error={list.error} onRetry={() => void list.reload()} title="Could not load the users" />
      ) : !list.data ? (
        <SkeletonBlock label="Loading users…" lines={6} />
      ) : list.data.items.length === 0 ? (
        <p>No account matches.</p>
      ) : (
        <>
          <ul className="question-list" aria-label="Users">
            {list.data.items.map((u) => (
              <UserRow key={u.id} user={u} onChanged={() => void list.reload()} />
            ))}
          </ul>
          <Pager page={page} pages={pages} onPage={(n) => setParams({ ...(query ? { query } : {}), page: String(n) })} />
        </>
      )}
    </main>
  )
}

function UserRow({ user, onChanged }: { user: User; onChanged: () => void }) {
  const me = useMe()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const next = user.role === 'admin' ? 'user' : 'admin'

  async function change() {
    setBusy(true)
    setError(null)
    try {
      await setRole(user.id, next)
      onChanged()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <li>
      <span>
        <strong>{user.username}</strong> <span className="muted">{user.email}</span>
      </span>
      <span className="badge">{user.role === 'admin' ? 'Admin' : 'User'}</span>
      {user.id === me.id ? (
        <span className="muted">(you)</span>
      ) : (
        <Button variant="secondary" busy={busy} onClick={() => void change()} aria-label={`${next === 'admin' ? 'Make admin' : 'Make user'}: ${user.username}`}>
          {next === 'admin' ? 'Make admin' : 'Make user'}
        </Button>
      )}
      {error != null && (
        <Alert tone="error">
          <p>Could not change the role of {user.username}.</p>
        </Alert>
      )}
    </li>
  )
}
