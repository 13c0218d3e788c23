import { useMemo } from 'react'
import { ErrorMessage, Loading } from '../../../ui/Alert'
import { difficultyName, topicName, useTopics, type Question } from '../../questions/api'
import { renderMarkdown } from './markdown'

/** QuestionPane shows the session's question: description, examples, constraints and (collapsed) hints. */
export function QuestionPane({
  question,
  error,
  onRetry,
  titleLevel = 2,
}: {
  /** In a mock interview: hints_hidden for the candidate, interviewer_notes for the interviewer. */
  question: (Omit<Question, 'hints'> & { hints?: string[]; hints_hidden?: boolean; interviewer_notes?: string[] }) | undefined
  error: unknown
  onRetry: () => void
  /** 1 on the question's own page, 2 inside the session room. */
  titleLevel?: 1 | 2
}) {
  const Title = titleLevel === 1 ? 'h1' : 'h2'
  const topics = useTopics()
  const html = useMemo(() => (question ? renderMarkdown(question.description) : ''), [question])
  return (
    <section className="question-pane" aria-labelledby="question-title">
      {error != null ? (
        <ErrorMessage error={error} onRetry={onRetry} title="Could not load the question" />
      ) : !question ? (
        <Loading label="Loading the question…" />
      ) : (
        <>
          <Title id="question-title">{question.title}</Title>
          <p className="tags">
            <span className={`badge badge-${question.difficulty}`}>{difficultyName(question.difficulty)}</span>
            {question.topics.map((t) => (
              <span key={t} className="badge">
                {topicName(topics.data, t)}
              </span>
            ))}
          </p>
          <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />
          {question.examples.length > 0 && (
            <>
              <h3>Examples</h3>
              <ol className="examples">
                {question.examples.map((ex, i) => (
                  <li key={i}>
                    <dl>
                      <dt>Input</dt>
                      <dd>
                        <pre>{ex.input}</pre>
                      </dd>
                      <dt>Output</dt>
                      <dd>
                        <pre>{ex.output}</pre>
                      </dd>
                      {ex.explanation && (
                        <>
                          <dt>Explanation</dt>
                          <dd>{ex.explanation}</dd>
                        </>
                      )}
                    </dl>
                  </li>
                ))}
              </ol>
            </>
          )}
          {question.sample_cases && question.sample_cases.length > 0 && (
            <>
              <h3>Sample test cases</h3>
              {question.signature && (
                <p>
                  Function: <code>{question.signature}</code>
                </p>
              )}
              <ol className="examples">
                {question.sample_cases.map((c, i) => (
                  <li key={i}>
                    <dl>
                      <dt>Input</dt>
                      <dd>
                        <pre>{c.input.map((v) => JSON.stringify(v)).join('\n')}</pre>
                      </dd>
                      <dt>Expected</dt>
                      <dd>
                        <pre>{JSON.stringify(c.expected)}</pre>
                      </dd>
                    </dl>
                  </li>
                ))}
              </ol>
            </>
          )}
          {question.constraints.length > 0 && (
            <>
              <h3>Constraints</h3>
              <ul className="constraints">
                {question.constraints.map((c, i) => (
                  <li key={i}>
                    <code>{c}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
          {question.hints_hidden && <p className="muted">Hints are for the interviewer in this part of the interview.</p>}
          {question.interviewer_notes && question.interviewer_notes.length > 0 && (
            <>
              <h3>Notes for the interviewer</h3>
              <ul>
                {question.interviewer_notes.map((n, i) => (
                  <li key={i}>{n}</li>
                ))}
              </ul>
            </>
          )}
          {question.hints && question.hints.length > 0 && (
            <>
              <h3>Hints</h3>
              {question.hints.map((h, i) => (
                <details key={i} className="hint">
                  <summary>Hint {i + 1}</summary>
                  <p>{h}</p>
                </details>
              ))}
            </>
          )}
        </>
      )}
    </section>
  )
}
