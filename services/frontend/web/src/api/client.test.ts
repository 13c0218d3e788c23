import { describe, expect, it, vi } from 'vitest'
import { ApiClient } from './client'
import { ApiError } from './errors'

const user = { id: 'u1', username: 'alice' }

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

const session = (token: string, expiresIn = 900) => ({ user, access_token: token, refresh_token: 'r', token_type: 'Bearer', expires_in: expiresIn })
const unauthenticated = { error: { code: 'unauthenticated', message: 'token expired' }, request_id: 'x' }

/** server fakes the platform: /refresh hands out tok1, tok2…; other routes accept only the latest. */
function fakeServer(opts: { refresh?: (n: number) => Response | Promise<Response> } = {}) {
  let valid = 'tok0'
  let refreshes = 0
  const calls: { path: string; auth: string | null }[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = String(input)
    const auth = new Headers(init?.headers).get('Authorization')
    calls.push({ path, auth })
    if (path.endsWith('/auth/refresh')) {
      refreshes++
      await new Promise((r) => setTimeout(r, 5))
      if (opts.refresh) return opts.refresh(refreshes)
      valid = `tok${refreshes}`
      return json(200, session(valid))
    }
    if (path.endsWith('/auth/login')) return json(200, session(valid))
    if (auth !== `Bearer ${valid}`) return json(401, unauthenticated)
    return json(200, { ok: true, path })
  })
  return {
    fetch,
    calls,
    get refreshes() {
      return refreshes
    },
    expire() {
      valid = `${valid}-rotated-elsewhere`
    },
  }
}

async function signedIn(server: ReturnType<typeof fakeServer>) {
  const c = new ApiClient({ fetch: server.fetch as unknown as typeof fetch, scheduleRefresh: false })
  await c.signIn({ identifier: 'alice', password: 'secret-secret' })
  return c
}

describe('ApiClient', () => {
  it('retries a request once after a 401, with a refreshed token', async () => {
    const server = fakeServer()
    const c = await signedIn(server)
    server.expire()
    await expect(c.get('/a')).resolves.toMatchObject({ ok: true })
    expect(server.refreshes).toBe(1)
    expect(server.calls.filter((x) => x.path === '/a').map((x) => x.auth)).toEqual(['Bearer tok0', 'Bearer tok1'])
  })

  it('concurrent 401s share one refresh', async () => {
    const server = fakeServer()
    const c = await signedIn(server)
    server.expire()
    const results = await Promise.all([c.get('/a'), c.get('/b'), c.get('/c'), c.post('/d')])
    expect(results).toHaveLength(4)
    expect(server.refreshes).toBe(1)
  })

  it('a request answered 401 after someone else refreshed retries without refreshing again', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let n = 0
    const base = fakeServer()
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input) === '/slow' && n++ === 0) {
        await gate
        return json(401, unauthenticated)
      }
      return base.fetch(input, init)
    })
    const c = new ApiClient({ fetch: fetch as unknown as typeof globalThis.fetch, scheduleRefresh: false })
    await c.signIn({ identifier: 'a', password: 'b' })
    const slow = c.get('/slow')
    base.expire()
    await c.get('/fast') // refreshes to tok1
    release()
    await expect(slow).resolves.toMatchObject({ ok: true })
    expect(base.refreshes).toBe(1)
  })

  it('a refused refresh (reused token, revoked family) signs the user out as expired', async () => {
    const server = fakeServer({
      refresh: () => json(401, { error: { code: 'unauthenticated', message: 'refresh token reused' }, request_id: 'x' }),
    })
    const c = await signedIn(server)
    expect(c.getState().status).toBe('signedIn')
    server.expire()
    const err = await c.get('/a').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(401)
    expect(c.getState()).toEqual({ status: 'signedOut', reason: 'expired' })
    expect(c.currentToken()).toBeNull()
  })

  it('refreshes before use when the token is about to expire', async () => {
    const server = fakeServer()
    let now = 0
    const c = new ApiClient({ fetch: server.fetch as unknown as typeof fetch, scheduleRefresh: false, now: () => now })
    await c.signIn({ identifier: 'a', password: 'b' })
    now = 899_000
    await c.get('/a')
    expect(server.refreshes).toBe(1)
    expect(server.calls.at(-1)?.auth).toBe('Bearer tok1')
  })

  it('restore without a cookie is signed out without an "expired" notice', async () => {
    const server = fakeServer({ refresh: () => json(401, unauthenticated) })
    const c = new ApiClient({ fetch: server.fetch as unknown as typeof fetch, scheduleRefresh: false })
    await c.restore()
    expect(c.getState()).toEqual({ status: 'signedOut' })
  })

  it('restore sends an empty body and the cookie', async () => {
    const server = fakeServer()
    const c = new ApiClient({ fetch: server.fetch as unknown as typeof fetch, scheduleRefresh: false })
    await c.restore()
    expect(c.getState()).toMatchObject({ status: 'signedIn', user })
    const init = server.fetch.mock.calls[0][1]!
    expect(init.body).toBe('{}')
    expect(init.credentials).toBe('same-origin')
  })

  it('restore that cannot reach the server is an error to retry, not a sign-out', async () => {
    const c = new ApiClient({
      fetch: (() => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof fetch,
      scheduleRefresh: false,
    })
    await c.restore()
    expect(c.getState().status).toBe('error')
  })

  it('errors carry code, message and per-field details', async () => {
    const fetch = vi.fn(async () =>
      json(400, {
        error: { code: 'validation_failed', message: 'invalid', details: [{ field: 'username', message: 'is taken' }] },
        request_id: 'r1',
      }),
    )
    const c = new ApiClient({ fetch: fetch as unknown as typeof globalThis.fetch, scheduleRefresh: false })
    const err = (await c.signUp({ username: 'a', email: 'b', password: 'c' }).catch((e: unknown) => e)) as ApiError
    expect(err.code).toBe('validation_failed')
    expect(err.fieldErrors()).toEqual({ username: 'is taken' })
    expect(err.requestId).toBe('r1')
  })

  it('a 5xx never shows the server text, and 429 keeps Retry-After', async () => {
    const responses = [
      json(500, { error: { code: 'internal', message: 'pq: connection refused' }, request_id: 'r' }),
      json(429, { error: { code: 'rate_limited', message: 'slow down' }, request_id: 'r' }, { 'Retry-After': '7' }),
    ]
    const c = new ApiClient({ fetch: (async () => responses.shift()!) as unknown as typeof fetch, scheduleRefresh: false })
    const e1 = (await c.signIn({ identifier: 'a', password: 'b' }).catch((e: unknown) => e)) as ApiError
    expect(e1.message).not.toContain('pq')
    const e2 = (await c.signIn({ identifier: 'a', password: 'b' }).catch((e: unknown) => e)) as ApiError
    expect(e2.retryAfter).toBe(7)
  })

  it('two tabs refreshing at once take turns, so the shared cookie is never sent twice', async () => {
    // The browser's cookie jar and user-service's rotation with reuse detection.
    let cookie = 'r0'
    let revoked = false
    let n = 0
    const fetch = vi.fn(async (input: RequestInfo | URL) => {
      if (!String(input).endsWith('/auth/refresh')) return json(404, {})
      const sent = cookie
      await new Promise((r) => setTimeout(r, 5))
      if (revoked || sent !== cookie) {
        revoked = true // a rotated token came back: the family is gone
        return json(401, unauthenticated)
      }
      cookie = `r${++n}`
      return json(200, session(`tok-${cookie}`))
    })
    // navigator.locks as browsers implement it: one holder of a name at a time.
    let tail: Promise<unknown> = Promise.resolve()
    const request = (_name: string, fn: () => Promise<unknown>) => {
      const run = tail.then(fn)
      tail = run.catch(() => undefined)
      return run
    }
    vi.stubGlobal('navigator', { ...globalThis.navigator, locks: { request } })
    try {
      const tabs = [0, 1].map(() => new ApiClient({ fetch: fetch as unknown as typeof globalThis.fetch, scheduleRefresh: false }))
      const ok = await Promise.all(tabs.map((t) => t.refresh()))
      expect(ok).toEqual([true, true])
      expect(revoked).toBe(false)
      expect(tabs.map((t) => t.getState().status)).toEqual(['signedIn', 'signedIn'])
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('renewToken refreshes a token a socket was refused with, once for everyone', async () => {
    const server = fakeServer()
    const c = await signedIn(server)
    const used = await c.accessToken()
    const [a, b] = await Promise.all([c.renewToken(used), c.renewToken(used)])
    expect(a).not.toBe(used)
    expect(b).toBe(a)
    expect(server.refreshes).toBe(1)
    // A later socket refused with the old token takes the new one as is.
    await expect(c.renewToken(used)).resolves.toBe(a)
    expect(server.refreshes).toBe(1)
  })
})

describe('request headers', () => {
  it('sends extra headers (If-Match) and hands back the response headers (ETag)', async () => {
    const seen: (string | null)[] = []
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).endsWith('/auth/login')) return json(200, session('tok'))
      seen.push(new Headers(init?.headers).get('If-Match'))
      return json(200, { ok: true }, { ETag: '"v2"' })
    })
    const c = new ApiClient({ fetch, scheduleRefresh: false })
    await c.signIn({ identifier: 'a', password: 'b' })
    let etag: string | null = null
    await c.request('PUT', '/q/1', { body: {}, headers: { 'If-Match': '"v1"' }, onHeaders: (h) => (etag = h.get('ETag')) })
    expect(seen).toEqual(['"v1"'])
    expect(etag).toBe('"v2"')
  })
})
