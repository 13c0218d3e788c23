import { formatBytes, formatInput, formatMs, formatValue, passCount, runMessage, verdictName, type HiddenCase, type Run, type RunError, type VisibleCase } from './api'

/** errorText is a runtime error in words: "ZeroDivisionError: division by zero (line 4)". */
export function errorText(e: RunError): string {
  const head = e.message ? `${e.type}: ${e.message}` : e.type
  return e.line ? `${head} (line ${e.line})` : head
}

/** RunResult shows one run: the verdict in words, its message, each case, time and memory. Everything is text. */
export function RunResult({ run, headingLevel = 3 }: { run: Run; headingLevel?: 3 | 4 }) {
  const H = headingLevel === 3 ? 'h3' : 'h4'
  const visible = run.cases.filter((c): c is VisibleCase => !c.hidden)
  const hidden = run.cases.filter((c): c is HiddenCase => c.hidden)
  const count = passCount(run)
  const message = runMessage(run)
  const tone = run.verdict === 'accepted' ? 'pass' : run.verdict === 'unsupported_language' || run.verdict === 'internal_error' ? 'info' : 'fail'
  return (
    <div className="run-result">
      <H className={`verdict verdict-${tone}`}>{verdictName(run)}</H>
      {message && <p className="run-message">{message}</p>}
      <p className="muted run-meta">
        {[!message && count && `${count} cases passed`, formatMs(run.time_ms), formatBytes(run.memory_bytes)].filter(Boolean).join(' · ')}
      </p>
      {run.error && <p className="run-error">{errorText(run.error)}</p>}
      {visible.length > 0 && (
        <ol className="run-cases" aria-label="Cases">
          {visible.map((c) => (
            <li key={c.index} className="run-case">
              <p className="run-case-title">
                {c.custom ? 'Custom input' : `Case ${c.index + 1}: `}
                {!c.custom && <span className={c.passed ? 'case-pass' : 'case-fail'}>{c.passed ? 'passed' : 'failed'}</span>}
                {c.time_ms !== undefined && <span className="muted"> · {formatMs(c.time_ms)}</span>}
              </p>
              <dl>
                <dt>Input</dt>
                <dd>
                  <pre>{formatInput(c.input)}</pre>
                </dd>
                {!c.custom && (
                  <>
                    <dt>Expected</dt>
                    <dd>
                      <pre>{formatValue(c.expected)}</pre>
                    </dd>
                  </>
                )}
                {(c.actual !== undefined || !c.error) && (
                  <>
                    <dt>Your output</dt>
                    <dd>
                      <pre>{formatValue(c.actual)}</pre>
                    </dd>
                  </>
                )}
                {c.stdout ? (
                  <>
                    <dt>Printed{c.stdout_truncated ? ' (cut off at the limit)' : ''}</dt>
                    <dd>
                      <pre>{c.stdout}</pre>
                    </dd>
                  </>
                ) : null}
                {c.error && (
                  <>
                    <dt>Error</dt>
                    <dd className="run-error">{errorText(c.error)}</dd>
                  </>
                )}
              </dl>
            </li>
          ))}
        </ol>
      )}
      {hidden.length > 0 && (
        <ul className="run-hidden" aria-label="Hidden cases">
          {hidden.map((c) => (
            <li key={c.index} className={c.passed ? 'case-pass' : 'case-fail'}>
              Hidden case {c.index + 1}: {c.passed ? 'passed' : 'failed'}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
