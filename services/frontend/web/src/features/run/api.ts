// execution-service: runs of code against a question's test cases
// (issue 16). A session's runs are shared by polling GET /runs?session_id=.
import { api } from '../../api/client'
import { languageName } from '../questions/api'

export type Verdict = 'accepted' | 'wrong_answer' | 'runtime_error' | 'time_limit' | 'memory_limit' | 'unsupported_language' | 'internal_error'

export interface RunError {
  type: string
  /** Absent (or empty) for a hidden case: its message could leak the input. */
  message?: string
  line?: number | null
}

export interface VisibleCase {
  index: number
  hidden: false
  /** One JSON value per parameter. */
  input: unknown[]
  /** null for a custom-input run. */
  expected: unknown
  actual?: unknown
  /** null for a custom-input run (nothing to compare with). */
  passed: boolean | null
  time_ms?: number
  stdout?: string
  /** The printed output was longer than the cap and was cut. */
  stdout_truncated?: boolean
  error?: RunError | null
  custom?: boolean
}

export interface HiddenCase {
  index: number
  hidden: true
  passed: boolean
}

export type RunCase = VisibleCase | HiddenCase

export interface Run {
  id: string
  user_id: string
  username: string
  session_id: string | null
  question_id: string
  language: string
  mode: 'run' | 'submit'
  verdict: Verdict
  /** One sentence about the verdict ("3 of 8 cases passed"). */
  message: string
  created_at: string
  time_ms: number
  memory_bytes: number
  cases: RunCase[]
  first_failed_hidden: number | null
  error: RunError | null
}

export interface NewRun {
  question_id: string
  language: string
  code: string
  mode: 'run' | 'submit'
  session_id?: string
  /** Custom input: one JSON value per line per parameter; only with mode "run". */
  stdin?: string
}

const P = '/execution-service-api'

export const createRun = (r: NewRun) => api.post<Run>(`${P}/runs`, r)
export const fetchSessionRuns = (sessionId: string) =>
  api.get<{ runs: Run[] }>(`${P}/runs?session_id=${encodeURIComponent(sessionId)}`).then((r) => r.runs ?? [])
export const fetchRun = (id: string) => api.get<Run>(`${P}/runs/${encodeURIComponent(id)}`)

export const runsKey = (sessionId: string) => `runs:${sessionId}`

const VERDICTS: Record<Verdict, string> = {
  accepted: 'Accepted',
  wrong_answer: 'Wrong answer',
  runtime_error: 'Runtime error',
  time_limit: 'Time limit exceeded',
  memory_limit: 'Memory limit exceeded',
  unsupported_language: 'Language not available',
  internal_error: 'Could not run',
}

/** isCustom says whether the run used custom input (one case, nothing to compare). */
export function isCustom(r: Run): boolean {
  return r.cases.some((c) => !c.hidden && c.custom)
}

/** verdictName is the verdict in words ("Accepted"); a custom run that finished says so. */
export function verdictName(r: Pick<Run, 'verdict'> & { cases?: RunCase[] }): string {
  if (r.verdict === 'accepted' && r.cases && isCustom(r as Run)) return 'Finished'
  return VERDICTS[r.verdict] ?? r.verdict
}

/** unsupportedMessage is what the app says for a language that cannot run yet. */
export function unsupportedMessage(language: string): string {
  return `Running ${languageName(language)} is not available yet.`
}

/** runMessage is the run's one sentence; a language that cannot run is named from the run's (the editor's) language. */
export function runMessage(r: Run): string {
  return r.verdict === 'unsupported_language' ? unsupportedMessage(r.language) : r.message
}

/** passCount is "passed/total" over the compared cases, or "" for a custom run or none. */
export function passCount(r: Run): string {
  const compared = r.cases.filter((c) => c.hidden || !c.custom)
  if (compared.length === 0) return ''
  return `${compared.filter((c) => c.passed === true).length}/${compared.length}`
}

/** runLine is a run's one-line summary: "alice submitted · Accepted · 3/3". */
export function runLine(r: Run): string {
  const who = r.username || 'someone'
  const did = isCustom(r) ? 'ran custom input' : r.mode === 'submit' ? 'submitted' : 'ran'
  return [`${who} ${did}`, verdictName(r), passCount(r)].filter(Boolean).join(' · ')
}

/** formatBytes is a memory size in words (kB/MB, powers of 1024). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B'
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`
  return `${(n / (1024 * 1024)).toFixed(1)} MB`
}

/** formatMs is a duration in words: whole milliseconds, a tenth below 10 ms. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return ''
  return ms < 10 ? `${Math.round(ms * 10) / 10} ms` : `${Math.round(ms)} ms`
}

/** formatInput shows a case's arguments, one JSON value per line (like custom input). */
export function formatInput(input: unknown): string {
  return Array.isArray(input) ? input.map(formatValue).join('\n') : formatValue(input)
}

/** formatValue shows a JSON value as compact text (never as HTML). */
export function formatValue(v: unknown): string {
  if (v === undefined) return '(nothing)'
  try {
    return JSON.stringify(v)
  } catch {
    return String(v)
  }
}

/** stdinFor is custom input for a sample case: one JSON value per line, one line per parameter. */
export function stdinFor(input: unknown[] | undefined): string {
  return input ? input.map((v) => JSON.stringify(v)).join('\n') : ''
}

/** newestFirst sorts runs by created_at, newest first (the API already does; merged lists may not). */
export function newestFirst(runs: Run[]): Run[] {
  return [...runs].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0))
}

/** lastSubmit is the newest submit of questionId among runs, if any. */
export function lastSubmit(runs: Run[], questionId: string): Run | undefined {
  return newestFirst(runs).find((r) => r.mode === 'submit' && r.question_id === questionId)
}
