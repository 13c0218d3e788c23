/**
 * SkeletonBlock is a busy region of grey lines the shape of what is
 * loading (no inline styles: the CSP allows none), named for screen readers.
 */
export function SkeletonBlock({ label, lines = 3, tall = false }: { label: string; lines?: number; tall?: boolean }) {
  return (
    <div role="status" aria-busy="true" aria-label={label} className="skeleton-block">
      {Array.from({ length: lines }, (_, i) => (
        <span key={i} className={['skeleton', tall ? 'skeleton-tall' : '', i === lines - 1 ? 'skeleton-short' : ''].filter(Boolean).join(' ')} aria-hidden="true" />
      ))}
    </div>
  )
}
