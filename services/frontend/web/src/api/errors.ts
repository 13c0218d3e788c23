// Typed errors for every way a call to the platform can fail, so the UI can
// say what happened in words and offer a retry where one can help.

export interface FieldError {
  field: string
  message: string
}

/** ApiError is a non-2xx answer in the platform's error shape (ARCHITECTURE §3). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: FieldError[]
  readonly requestId?: string
  /** Seconds to wait, from Retry-After (429, 503). */
  readonly retryAfter?: number
  /** The whole JSON body, for answers that carry more (e.g. a 409's ticket). */
  readonly body: unknown

  constructor(init: {
    status: number
    code: string
    message: string
    details?: FieldError[]
    requestId?: string
    retryAfter?: number
    body?: unknown
  }) {
    super(init.message)
    this.name = 'ApiError'
    this.status = init.status
    this.code = init.code
    this.details = init.details ?? []
    this.requestId = init.requestId
    this.retryAfter = init.retryAfter
    this.body = init.body
  }

  /** fieldErrors maps each named field to its first message. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const d of this.details) {
      if (d.field && !(d.field in out)) out[d.field] = d.message
    }
    return out
  }
}

/** NetworkError is a request that got no answer at all (offline, DNS, reset). */
export class NetworkError extends Error {
  constructor(message = 'The server could not be reached. Check your connection and try again.') {
    super(message)
    this.name = 'NetworkError'
  }
}

const statusWords: Record<number, string> = {
  400: 'The request was not valid.',
  401: 'You need to sign in again.',
  403: 'You are not allowed to do that.',
  404: 'That could not be found.',
  409: 'That conflicts with the current state.',
  410: 'That is no longer available.',
  413: 'That is too large.',
  429: 'Too many requests. Please wait a moment.',
}

/** parseErrorBody turns a failed response into an ApiError, whatever its body. */
export async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = undefined
  try {
    const text = await res.text()
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error
  const retry = Number(res.headers.get('Retry-After'))
  const details = Array.isArray(err?.details)
    ? (err.details as unknown[]).flatMap((d) => {
        const f = d as { field?: unknown; message?: unknown }
        return typeof f?.message === 'string' ? [{ field: typeof f.field === 'string' ? f.field : '', message: f.message }] : []
      })
    : []
  let message = typeof err?.message === 'string' && err.message ? err.message : ''
  // A 5xx body never carries useful text for people; a proxy's HTML page even less.
  if (!message || res.status >= 500) {
    message =
      res.status >= 500
        ? 'The service is having trouble right now. Please try again.'
        : (statusWords[res.status] ?? `The request failed (HTTP ${res.status}).`)
  }
  return new ApiError({
    status: res.status,
    code: typeof err?.code === 'string' ? err.code : res.status >= 500 ? 'unavailable' : 'error',
    message,
    details,
    requestId: typeof (body as { request_id?: unknown })?.request_id === 'string' ? (body as { request_id: string }).request_id : undefined,
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined,
    body,
  })
}

/** describeError is the sentence to show for any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 429 && e.retryAfter) return `${e.message} Try again in ${e.retryAfter} s.`
    if (e.details.length > 0 && e.status < 500) {
      return `${e.message} ${e.details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join('; ')}`
    }
    return e.message
  }
  if (e instanceof NetworkError) return e.message
  return 'Something went wrong. Please try again.'
}

/** isRetryable says whether trying the same thing again may work. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof NetworkError) return true
  if (e instanceof ApiError) return e.status >= 500 || e.status === 429 || e.status === 408
  return true
}
