// useQuery is the app's one way to read server state: a small cache keyed
// by string, shared by every component that asks for the same key, with
// a reload and an invalidate. (No query library: the app reads a dozen
// resources and needs no more than this.)
import { useCallback, useEffect, useSyncExternalStore } from 'react'

interface Entry<T = unknown> {
  data?: T
  error?: unknown
  promise?: Promise<void>
  at: number
  fetcher?: () => Promise<unknown>
  listeners: Set<() => void>
}

const cache = new Map<string, Entry>()

function entry(key: string): Entry {
  let e = cache.get(key)
  if (!e) {
    e = { at: 0, listeners: new Set() }
    cache.set(key, e)
  }
  return e
}

function notify(e: Entry) {
  for (const fn of e.listeners) fn()
}

function load<T>(key: string, fetcher: () => Promise<T>): Promise<void> {
  const e = entry(key)
  e.fetcher = fetcher
  if (e.promise) return e.promise
  const p = fetcher().then(
    (data) => {
      if (e.promise !== p) return
      e.data = data
      e.error = undefined
      e.at = Date.now()
      e.promise = undefined
      notify(e)
    },
    (error: unknown) => {
      if (e.promise !== p) return
      e.error = error
      e.promise = undefined
      notify(e)
    },
  )
  e.promise = p
  notify(e)
  return p
}

/** invalidate drops cached data whose key starts with prefix (refetched when next shown). */
export function invalidate(prefix: string) {
  for (const [key, e] of cache) {
    if (key.startsWith(prefix)) {
      e.at = 0
      e.error = undefined
      e.promise = undefined
      if (e.listeners.size === 0) cache.delete(key)
      else if (e.fetcher) void load(key, e.fetcher)
    }
  }
}

/** clearQueries forgets everything (on sign-out). */
export function clearQueries() {
  cache.clear()
}

export interface QueryResult<T> {
  data: T | undefined
  error: unknown
  loading: boolean
  reload: () => Promise<void>
}

interface Snapshot {
  data: unknown
  error: unknown
  loading: boolean
}
const snapshots = new WeakMap<Entry, Snapshot>()
const idle: Snapshot = { data: undefined, error: undefined, loading: false }

function snapshot(e: Entry | undefined): Snapshot {
  if (!e) return idle
  const prev = snapshots.get(e)
  const loading = e.promise !== undefined
  if (prev && prev.data === e.data && prev.error === e.error && prev.loading === loading) return prev
  const next = { data: e.data, error: e.error, loading }
  snapshots.set(e, next)
  return next
}

/**
 * useQuery reads key through fetcher, sharing the answer with every other
 * reader of key. Data older than staleMs is refetched when a component
 * mounts. A null key reads nothing.
 */
export function useQuery<T>(key: string | null, fetcher: () => Promise<T>, opts: { staleMs?: number } = {}): QueryResult<T> {
  const staleMs = opts.staleMs ?? 30_000
  const subscribe = useCallback(
    (fn: () => void) => {
      if (key === null) return () => {}
      const e = entry(key)
      e.listeners.add(fn)
      return () => {
        e.listeners.delete(fn)
      }
    },
    [key],
  )
  const snap = useSyncExternalStore(subscribe, () => snapshot(key === null ? undefined : cache.get(key)))

  useEffect(() => {
    if (key === null) return
    const e = entry(key)
    // After an error the reader decides when to try again (reload).
    if (!e.promise && e.error === undefined && (e.at === 0 || Date.now() - e.at > staleMs)) {
      void load(key, fetcher)
    }
    // fetcher is expected to depend only on key.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, staleMs, snap.data === undefined && snap.error === undefined])

  const reload = useCallback(() => {
    if (key === null) return Promise.resolve()
    const e = entry(key)
    e.promise = undefined
    return load(key, fetcher)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key])

  return {
    data: snap.data as T | undefined,
    error: snap.error,
    loading: snap.loading || (key !== null && snap.data === undefined && snap.error === undefined),
    reload,
  }
}
