import { useState } from 'react'
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router'
import { api } from '../api/client'
import { clearQueries } from '../api/query'
import { useAuth } from '../features/auth/useAuth'
import { ErrorBoundary } from './ErrorBoundary'
import { useTheme } from './theme'

/** Layout is the frame of every page: skip link, header with navigation, the page. */
export function Layout() {
  const auth = useAuth()
  const navigate = useNavigate()
  const loc = useLocation()
  const [signingOut, setSigningOut] = useState(false)
  const [theme, toggleTheme] = useTheme()

  async function signOut() {
    setSigningOut(true)
    await api.signOut()
    clearQueries()
    setSigningOut(false)
    navigate('/sign-in', { replace: true })
  }

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="site-header">
        <NavLink to="/" className="brand" aria-label="PeerPrep home">
          PeerPrep
        </NavLink>
        {auth.status === 'signedIn' && (
          <nav aria-label="Main">
            <ul>
              <li>
                <NavLink to="/" end>
                  Dashboard
                </NavLink>
              </li>
              <li>
                <NavLink to="/match">Find a match</NavLink>
              </li>
              <li>
                <NavLink to="/questions">Questions</NavLink>
              </li>
              <li>
                <NavLink to="/history">History</NavLink>
              </li>
              <li>
                <NavLink to="/profile">Profile</NavLink>
              </li>
              {auth.user.role === 'admin' && (
                <li>
                  <NavLink to="/admin">Admin</NavLink>
                </li>
              )}
            </ul>
          </nav>
        )}
        <button
          type="button"
          className={`btn btn-link theme-toggle${auth.status === 'signedIn' ? '' : ' theme-toggle-end'}`}
          aria-pressed={theme === 'dark'}
          onClick={toggleTheme}
        >
          Dark theme
        </button>
        {auth.status === 'signedIn' && (
          <div className="account">
            <span className="account-name" aria-label={`Signed in as ${auth.user.username}`}>
              {auth.user.username}
            </span>
            <button type="button" className="btn btn-link" onClick={() => void signOut()} disabled={signingOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <ErrorBoundary resetKey={loc.pathname}>
        <Outlet />
      </ErrorBoundary>
    </>
  )
}
