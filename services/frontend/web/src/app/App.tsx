import { lazy, Suspense } from 'react'
import { BrowserRouter, Route, Routes } from 'react-router'
import { RequireAuth } from '../features/auth/RequireAuth'
import { SignInPage } from '../features/auth/SignInPage'
import { SignUpPage } from '../features/auth/SignUpPage'
import { Loading } from '../ui/Alert'
import { ErrorBoundary } from './ErrorBoundary'
import { Layout } from './Layout'
import { NotFoundPage } from './NotFoundPage'

// Pages behind sign-in load on demand: the sign-in page ships only what it needs.
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage'))
const FindMatchPage = lazy(() => import('../features/matching/FindMatchPage'))
const QuestionBankPage = lazy(() => import('../features/questions/QuestionBankPage'))
const QuestionPage = lazy(() => import('../features/questions/QuestionPage'))
const ProfilePage = lazy(() => import('../features/profile/ProfilePage'))
const AdminPage = lazy(() => import('../features/admin/AdminPage'))
const AdminQuestionsPage = lazy(() => import('../features/admin/AdminQuestionsPage'))
const QuestionEditorPage = lazy(() => import('../features/admin/QuestionEditorPage'))
const AdminUsersPage = lazy(() => import('../features/admin/AdminUsersPage'))
const SessionPage = lazy(() => import('../features/session/SessionPage'))
const SummaryPage = lazy(() => import('../features/session/SummaryPage'))
const HistoryPage = lazy(() => import('../features/history/HistoryPage'))
const AttemptPage = lazy(() => import('../features/history/AttemptPage'))
const InvitePage = lazy(() => import('../features/invite/InvitePage'))
const AcceptInvitePage = lazy(() => import('../features/invite/AcceptInvitePage'))

function page(el: React.ReactNode) {
  return (
    <RequireAuth>
      <Suspense
        fallback={
          <main id="main" className="page">
            <Loading />
          </main>
        }
      >
        {el}
      </Suspense>
    </RequireAuth>
  )
}

export function App() {
  return (
    <ErrorBoundary>
      <BrowserRouter>
        <Routes>
          <Route element={<Layout />}>
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/sign-up" element={<SignUpPage />} />
            <Route path="/" element={page(<DashboardPage />)} />
            <Route path="/match" element={page(<FindMatchPage />)} />
            <Route path="/invite" element={page(<InvitePage />)} />
            <Route path="/invite/:code" element={page(<AcceptInvitePage />)} />
            <Route path="/questions" element={page(<QuestionBankPage />)} />
            <Route path="/questions/:slug" element={page(<QuestionPage />)} />
            <Route path="/profile" element={page(<ProfilePage />)} />
            <Route path="/admin" element={page(<AdminPage />)} />
            <Route path="/admin/questions" element={page(<AdminQuestionsPage />)} />
            <Route path="/admin/questions/new" element={page(<QuestionEditorPage />)} />
            <Route path="/admin/questions/:id" element={page(<QuestionEditorPage />)} />
            <Route path="/admin/users" element={page(<AdminUsersPage />)} />
            <Route path="/session/:id" element={page(<SessionPage />)} />
            <Route path="/session/:id/summary" element={page(<SummaryPage />)} />
            <Route path="/history" element={page(<HistoryPage />)} />
            <Route path="/history/:id" element={page(<AttemptPage />)} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </ErrorBoundary>
  )
}
