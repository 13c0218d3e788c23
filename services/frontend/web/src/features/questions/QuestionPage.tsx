import { useEffect } from 'react'
import { Link, useParams } from 'react-router'
import { ApiError } from '../../api/errors'
import { Alert } from '../../ui/Alert'
import { QuestionPane } from '../session/components/QuestionPane'
import { useAttemptedQuestions } from '../history/api'
import { matchLink } from '../matching/lastCriteria'
import { useQuestion } from './api'

export default function QuestionPage() {
  const { slug } = useParams()
  const question = useQuestion(slug)
  const attempted = useAttemptedQuestions()
  const q = question.data

  useEffect(() => {
    document.title = q ? `${q.title} · Questions · PeerPrep` : 'Question · PeerPrep'
  }, [q])

  const notFound = question.error instanceof ApiError && (question.error.status === 404 || question.error.status === 400)
  return (
    <main id="main" className="page">
      <p>
        <Link to="/questions">← Back to the question bank</Link>
      </p>
      {notFound ? (
        <Alert tone="error" title="Question not found">
          <p>There is no such question in the bank.</p>
        </Alert>
      ) : (
        <>
          <QuestionPane question={q} error={question.error} onRetry={() => void question.reload()} titleLevel={1} />
          {q && (
            <p>
              {attempted.data?.question_ids.includes(q.id) && <span className="attempted">✓ You have attempted this question. </span>}
              <Link className="btn btn-primary" to={matchLink({ difficulty: q.difficulty, topic: q.topics[0] })}>
                Practise this
              </Link>
            </p>
          )}
        </>
      )}
    </main>
  )
}
