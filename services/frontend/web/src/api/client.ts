// The one API client: same-origin fetch, the access token kept in memory
// only, refreshed before it expires and once on a 401, one refresh shared
// by every caller, and the refresh token left to its HttpOnly cookie.
import { ApiError, NetworkError, toApiError } from './errors'

export interface User {
  id: string
  username: string
  email: string
  display_name: string
  bio: string
  preferred_language: string
  role: string
  created_at: string
  updated_at: string
}

interface SessionResponse {
  user: User
  access_token: string
  token_type: string
  expires_in: number
  refresh_token: string
}

export type AuthState =
  | { status: 'loading' }
  | { status: 'signedIn'; user: User }
  /** expired: the refresh token was refused (expired, revoked or reused). */
  | { status: 'signedOut'; reason?: 'expired' | 'signedOut' }
  /** The session could not be restored for a reason other than being signed out. */
  | { status: 'error'; error: unknown }

export interface RequestOptions {
  body?: unknown
  /** false for the sign-in calls; default true. */
  auth?: boolean
  signal?: AbortSignal
  /** Extra request headers (If-Match). */
  headers?: Record<string, string>
  /** Called with the successful response's headers (ETag). */
  onHeaders?: (h: Headers) => void
}

export interface ClientOptions {
  fetch?: typeof fetch
  now?: () => number
  /** Refresh in the background shortly before the token expires (default true). */
  scheduleRefresh?: boolean
}

const AUTH = '/user-service-api/auth'
/** Refresh this long before the access token expires. */
const REFRESH_EARLY_MS = 60_000
/** A token with less than this left is refreshed before use. */
const MIN_VALIDITY_MS = 20_000

export class ApiClient {
  private readonly fetchFn: typeof fetch
  private readonly now: () => number
  private readonly schedule: boolean
  private token: string | null = null
  private expiresAt = 0
  private refreshing: Promise<boolean> | null = null
  private timer: ReturnType<typeof setTimeout> | undefined
  private state: AuthState = { status: 'loading' }
  private readonly listeners = new Set<() => void>()

  constructor(opts: ClientOptions = {}) {
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.now = opts.now ?? Date.now
    this.schedule = opts.scheduleRefresh ?? true
  }

  getState = (): AuthState => this.state

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private setState(s: AuthState) {
    this.state = s
    for (const fn of this.listeners) fn()
  }

  /** restore signs in from the refresh cookie when there is one. */
  async restore(): Promise<void> {
    this.setState({ status: 'loading' })
    try {
      const ok = await this.refresh({ quiet: true })
      if (!ok) this.setState({ status: 'signedOut' })
    } catch (e) {
      this.setState({ status: 'error', error: e })
    }
  }

  async signUp(input: { username: string; email: string; password: string }): Promise<User> {
    const s = await this.request<SessionResponse>('POST', `${AUTH}/signup`, { body: input, auth: false })
    this.adopt(s)
    return s.user
  }

  async signIn(input: { identifier: string; password: string }): Promise<User> {
    const s = await this.request<SessionResponse>('POST', `${AUTH}/login`, { body: input, auth: false })
    this.adopt(s)
    return s.user
  }

  /** signOut revokes the refresh token family; local state is cleared whatever the answer. */
  async signOut(): Promise<void> {
    try {
      await this.request<void>('POST', `${AUTH}/logout`, { body: {}, auth: false })
    } catch {
      // Signed out here anyway; the cookie expires on its own.
    } finally {
      this.clear()
      this.setState({ status: 'signedOut', reason: 'signedOut' })
    }
  }

  /** setUser replaces the signed-in user (after a profile change). */
  setUser(user: User) {
    if (this.state.status === 'signedIn') this.setState({ status: 'signedIn', user })
  }

  /** currentToken is the in-memory access token, for a WebSocket opened synchronously. */
  currentToken(): string | null {
    return this.token
  }

  /** accessToken returns a token valid for at least a little while, refreshing first if needed. */
  async accessToken(): Promise<string> {
    if (this.token && this.now() < this.expiresAt - MIN_VALIDITY_MS) return this.token
    const ok = await this.refresh()
    if (!ok || !this.token) {
      throw new ApiError({ status: 401, code: 'unauthenticated', message: 'Your session has expired. Please sign in again.' })
    }
    return this.token
  }

  /**
   * renewToken returns an access token other than `used`, which the server
   * refused (a socket closed with 4401 at its expiry): the one another
   * caller has already obtained, or a new one from a refresh. Throws like
   * accessToken when the refresh token is refused.
   */
  async renewToken(used: string | null): Promise<string> {
    if (this.token && this.token !== used && this.now() < this.expiresAt - MIN_VALIDITY_MS) return this.token
    const ok = await this.refresh()
    if (!ok || !this.token) {
      throw new ApiError({ status: 401, code: 'unauthenticated', message: 'Your session has expired. Please sign in again.' })
    }
    return this.token
  }

  /**
   * refresh rotates the refresh cookie for a new access token. Concurrent
   * callers share one request: a second POST with the same (now rotated)
   * token would be taken as reuse and revoke the whole family. Resolves
   * false when the server refuses the refresh token (the user is then
   * signed out); throws on network or server errors.
   */
  refresh(opts: { quiet?: boolean } = {}): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh(opts.quiet ?? false).finally(() => {
        this.refreshing = null
      })
    }
    return this.refreshing
  }

  private async doRefresh(quiet: boolean): Promise<boolean> {
    // Tabs share the refresh cookie, and a rotated token sent twice revokes
    // the family: refreshes of every tab take turns. Inside the lock the
    // cookie is whatever the last tab's refresh left, so no token is reused.
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
    if (!locks) return this.refreshOnce(quiet)
    return locks.request('peerprep-refresh', () => this.refreshOnce(quiet))
  }

  private async refreshOnce(quiet: boolean): Promise<boolean> {
    const res = await this.send('POST', `${AUTH}/refresh`, {}, undefined)
    if (res.ok) {
      this.adopt((await res.json()) as SessionResponse)
      return true
    }
    if (res.status === 401 || res.status === 400) {
      const wasSignedIn = this.state.status === 'signedIn'
      this.clear()
      if (!quiet || wasSignedIn) this.setState({ status: 'signedOut', reason: 'expired' })
      return false
    }
    throw await toApiError(res)
  }

  private adopt(s: SessionResponse) {
    this.token = s.access_token
    this.expiresAt = this.now() + s.expires_in * 1000
    this.setState({ status: 'signedIn', user: s.user })
    if (this.schedule) {
      clearTimeout(this.timer)
      const wait = Math.max(5_000, s.expires_in * 1000 - REFRESH_EARLY_MS)
      this.timer = setTimeout(() => {
        this.refresh().catch(() => {
          // Offline: the next request (or accessToken) tries again.
        })
      }, wait)
    }
  }

  private clear() {
    clearTimeout(this.timer)
    this.token = null
    this.expiresAt = 0
  }

  private async send(method: string, path: string, body: unknown, token: string | undefined, signal?: AbortSignal, extra?: Record<string, string>) {
    const headers: Record<string, string> = { ...extra, Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (token) headers.Authorization = `Bearer ${token}`
    try {
      return await this.fetchFn(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        signal,
      })
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e
      throw new NetworkError()
    }
  }

  /** request calls the API; a 401 refreshes the token once and tries again. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const auth = opts.auth ?? true
    let token = auth ? await this.accessToken() : undefined
    let res = await this.send(method, path, opts.body, token, opts.signal, opts.headers)
    if (res.status === 401 && auth) {
      // Another caller may have refreshed while this request was in flight.
      if (this.token && this.token !== token) {
        token = this.token
      } else {
        const ok = await this.refresh()
        if (!ok || !this.token) throw await toApiError(res)
        token = this.token
      }
      res = await this.send(method, path, opts.body, token, opts.signal, opts.headers)
      if (res.status === 401) {
        // A brand-new token refused: the account is gone or the keys changed.
        this.clear()
        this.setState({ status: 'signedOut', reason: 'expired' })
      }
    }
    if (!res.ok) throw await toApiError(res)
    opts.onHeaders?.(res.headers)
    if (res.status === 204 || res.headers.get('Content-Length') === '0') return undefined as T
    const text = await res.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  get<T>(path: string, signal?: AbortSignal) {
    return this.request<T>('GET', path, { signal })
  }
  post<T>(path: string, body?: unknown) {
    return this.request<T>('POST', path, { body: body ?? {} })
  }
  put<T>(path: string, body: unknown) {
    return this.request<T>('PUT', path, { body })
  }
  del<T>(path: string) {
    return this.request<T>('DELETE', path)
  }
}

/** api is the app's client. */
export const api = new ApiClient()

/** wsURL turns a same-origin path into a ws: or wss: URL. */
export function wsURL(path: string, loc: Location = window.location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${path}`
}

/** bearerProtocol is how WebSockets carry the access token. */
export function bearerProtocol(token: string): string {
  return `bearer.${token}`
}
