// The colour theme: the system's until the person picks one with the
// toggle; the choice is kept in localStorage (a preference, not a secret).
// data-theme on <html> always holds the theme in effect; styles.css reads it.
import { useCallback, useSyncExternalStore } from 'react'

export type Theme = 'light' | 'dark'
const KEY = 'peerprep-theme'
const listeners = new Set<() => void>()

function stored(): Theme | null {
  try {
    const v = localStorage.getItem(KEY)
    return v === 'light' || v === 'dark' ? v : null
  } catch {
    return null
  }
}

function systemTheme(): Theme {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

/** currentTheme is the theme in effect. */
export function currentTheme(): Theme {
  return stored() ?? systemTheme()
}

/**
 * applyStoredTheme sets data-theme before the first render (so no flash)
 * and keeps following the system while the person has not chosen.
 */
export function applyStoredTheme() {
  const apply = () => {
    document.documentElement.dataset.theme = currentTheme()
    for (const fn of listeners) fn()
  }
  apply()
  if (typeof matchMedia === 'function') matchMedia('(prefers-color-scheme: dark)').addEventListener('change', apply)
}

export function setTheme(t: Theme) {
  try {
    localStorage.setItem(KEY, t)
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  document.documentElement.dataset.theme = t
  for (const fn of listeners) fn()
}

function subscribe(fn: () => void) {
  listeners.add(fn)
  return () => {
    listeners.delete(fn)
  }
}

export function useTheme(): [Theme, () => void] {
  const theme = useSyncExternalStore(subscribe, currentTheme)
  const toggle = useCallback(() => setTheme(currentTheme() === 'dark' ? 'light' : 'dark'), [])
  return [theme, toggle]
}
