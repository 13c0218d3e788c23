import { Button } from './Button'

/** Pager is "Previous page · Page n of m · Next page" as a named navigation region. */
export function Pager({ page, pages, onPage }: { page: number; pages?: number; onPage: (page: number) => void }) {
  return (
    <nav className="pager" aria-label="Pages">
      <Button variant="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous page
      </Button>
      <span>{pages === undefined ? `Page ${page}` : `Page ${page} of ${pages}`}</span>
      <Button variant="secondary" disabled={pages !== undefined && page >= pages} onClick={() => onPage(page + 1)}>
        Next page
      </Button>
    </nav>
  )
}
