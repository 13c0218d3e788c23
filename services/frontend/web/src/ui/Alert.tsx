import type { ReactNode } from 'react'
import { describeError, isRetryable } from '../api/errors'
import { Button } from './Button'

/** Alert is a message box; "error" is announced at once, "info" politely. */
export function Alert({ tone = 'info', title, children }: { tone?: 'info' | 'error' | 'success' | 'warning'; title?: string; children?: ReactNode }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {title && <p className="alert-title">{title}</p>}
      {children}
    </div>
  )
}

/** ErrorMessage says what went wrong in words and offers a retry when it may help. */
export function ErrorMessage({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  return (
    <Alert tone="error" title={title}>
      <p>{describeError(error)}</p>
      {onRetry && isRetryable(error) && (
        <Button variant="secondary" onClick={onRetry}>
          Try again
        </Button>
      )}
    </Alert>
  )
}

/** Loading is a polite "loading" line. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  )
}
