import { Component, type ErrorInfo, type ReactNode } from 'react'

interface State {
  error: Error | null
}

/** ErrorBoundary turns a rendering crash into a page with a way out, never a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  state: State = { error: null }

  static getDerivedStateFromError(error: Error): State {
    return { error }
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('Unexpected error', error, info.componentStack)
  }

  componentDidUpdate(prev: { resetKey?: string }) {
    if (this.state.error && prev.resetKey !== this.props.resetKey) this.setState({ error: null })
  }

  render() {
    if (!this.state.error) return this.props.children
    // A failed lazy chunk usually means a new version was deployed: a reload fetches it.
    const chunk = /dynamically imported module|Importing a module script failed|Failed to fetch/i.test(this.state.error.message)
    return (
      <main id="main" className="page page-narrow">
        <div className="alert alert-error" role="alert">
          <h1>Something went wrong</h1>
          <p>
            {chunk
              ? 'Part of the app could not be loaded. Check your connection, then reload the page.'
              : 'This page hit an unexpected problem. Reloading usually helps; your session and code are kept on the server.'}
          </p>
          <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
            Reload the page
          </button>{' '}
          <a className="btn btn-secondary" href="/">
            Go to the start page
          </a>
        </div>
      </main>
    )
  }
}
