import { useEffect } from 'react'
import { Link } from 'react-router'
import { RequireAdmin } from './RequireAdmin'

export default function AdminRoute() {
  useEffect(() => {
    document.title = 'Admin · PeerPrep'
  }, [])
  return (
    <RequireAdmin>
      <main id="main" className="page page-narrow">
        <h1>Admin</h1>
        <ul>
          <li>
            <Link to="/admin/questions">Manage questions</Link>: create, edit and delete questions of the bank.
          </li>
          <li>
            <Link to="/admin/users">Manage users</Link>: find accounts and change their role.
          </li>
        </ul>
      </main>
    </RequireAdmin>
  )
}
