import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './markdown'

describe('renderMarkdown', () => {
  it('renders Markdown structure', () => {
    const html = renderMarkdown('Given `nums`, return **two** indices.\n\n- a\n- b\n\n```\ncode\n```')
    expect(html).toContain('<code>nums</code>')
    expect(html).toContain('<strong>two</strong>')
    expect(html).toContain('<li>a</li>')
    expect(html).toContain('<pre><code>code\n</code></pre>')
  })

  it('shows raw HTML in the text as text, never as markup', () => {
    const html = renderMarkdown('Hello <script>alert(1)</script> <b onclick="x()">bold</b>\n\n<div style="color:red">block</div>')
    const box = document.createElement('div')
    box.innerHTML = html
    expect(box.querySelector('script, b, div, [onclick], [style]')).toBeNull()
    expect(box.textContent).toContain('<script>alert(1)</script>')
    expect(box.textContent).toContain('<div style="color:red">block</div>')
  })

  it('drops javascript: links and images', () => {
    const box = document.createElement('div')
    box.innerHTML = renderMarkdown('[x](javascript:alert(1)) ![pic](https://evil.example/a.png) [ok](https://example.com)')
    const links = [...box.querySelectorAll('a')]
    expect(links.map((a) => a.getAttribute('href'))).toEqual([null, 'https://example.com'])
    expect(box.querySelector('img')).toBeNull()
    expect(box.textContent).toContain('pic')
  })
})
