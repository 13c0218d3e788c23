// Question descriptions are Markdown. marked turns them into HTML with
// every raw HTML block or tag in the text escaped into visible text (the
// renderer's html hook), images reduced to their alt text (the CSP would
// refuse remote images anyway), and DOMPurify then removes anything
// dangerous that Markdown syntax alone could still produce (javascript:
// links, event handlers, style attributes), as a second line of defence.
import DOMPurify from 'dompurify'
import { Marked } from 'marked'

const escapeHTML = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    html({ text }) {
      return escapeHTML(text)
    },
    image({ text }) {
      return escapeHTML(text)
    },
  },
})

const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'sup', 'sub', 'input',
]

/** renderMarkdown returns safe HTML for a question's Markdown text. */
export function renderMarkdown(src: string): string {
  const html = marked.parse(src) as string
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'title', 'align', 'start', 'type', 'checked', 'disabled'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/)/i,
    FORBID_ATTR: ['style'],
  })
}
