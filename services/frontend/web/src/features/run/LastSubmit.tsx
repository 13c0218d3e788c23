import { useQuery } from '../../api/query'
import { fetchSessionRuns, lastSubmit, passCount, runsKey, verdictName } from './api'

/**
 * LastSubmit is the verdict of the last Submit of a question in a session,
 * for the attempt page: nothing while loading, when there was no submit, or
 * when execution-service cannot be reached (the attempt page works without it).
 */
export function LastSubmit({ sessionId, questionId }: { sessionId: string; questionId: string }) {
  const runs = useQuery(runsKey(sessionId), () => fetchSessionRuns(sessionId), { staleMs: 60_000 })
  const r = runs.data ? lastSubmit(runs.data, questionId) : undefined
  if (!r) return null
  const count = passCount(r)
  return (
    <div>
      <dt>Last submit</dt>
      <dd>
        {verdictName(r)}
        {count && ` · ${count} cases passed`}
        <span className="muted"> · by {r.username || 'someone'}</span>
      </dd>
    </div>
  )
}
