// ReadOnlyCode shows an attempt's final code with syntax highlighting in a
// read-only CodeMirror (loaded with this page only). Like the session
// editor it lives in a shadow root, where CodeMirror's styles go into a
// constructed stylesheet: a <style> element would break the CSP.
import { EditorState } from '@codemirror/state'
import { EditorView, lineNumbers } from '@codemirror/view'
import { useEffect, useRef } from 'react'
import { codeColours, themedHighlighting } from '../session/editor/highlight'
import { loadLanguage } from '../session/editor/languages'

const frame = EditorView.theme({
  '&': { border: '1px solid var(--border)', borderRadius: '6px', maxHeight: '480px', fontSize: '14px' },
  '.cm-scroller': { fontFamily: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace", lineHeight: '1.5' },
})

export default function ReadOnlyCode({ code, language, label }: { code: string; language: string; label: string }) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    let view: EditorView | undefined
    let live = true
    void loadLanguage(language)
      .catch(() => null)
      .then((lang) => {
        if (!live || !host.current) return
        const shadow = host.current.shadowRoot ?? host.current.attachShadow({ mode: 'open' })
        view = new EditorView({
          root: shadow,
          parent: shadow,
          state: EditorState.create({
            doc: code,
            extensions: [
              lineNumbers(),
              EditorState.readOnly.of(true),
              themedHighlighting,
              codeColours,
              frame,
              EditorView.contentAttributes.of({ 'aria-label': label, 'aria-readonly': 'true' }),
              ...(lang ? [lang] : []),
            ],
          }),
        })
      })
    return () => {
      live = false
      view?.destroy()
    }
  }, [code, language, label])
  return <div ref={host} className="readonly-code" />
}
