// ReadOnlyCode shows an attempt's final code with syntax highlighting in a
// read-only CodeMirror (loaded with this page only).
import { EditorState } from '@codemirror/state'
import { EditorView, lineNumbers } from '@codemirror/view'
import { useEffect, useRef } from 'react'
import { themedHighlighting } from '../session/editor/highlight'
import { loadLanguage } from '../session/editor/languages'

export default function ReadOnlyCode({ code, language, label }: { code: string; language: string; label: string }) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    let view: EditorView | undefined
    let live = true
    void loadLanguage(language)
      .catch(() => null)
      .then((lang) => {
        if (!live || !host.current) return
        view = new EditorView({
          parent: host.current,
          state: EditorState.create({
            doc: code,
            extensions: [
              lineNumbers(),
              EditorState.readOnly.of(true),
              themedHighlighting,
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
