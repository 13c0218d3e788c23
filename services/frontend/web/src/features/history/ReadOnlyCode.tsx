// ReadOnlyCode shows an attempt's final code with syntax highlighting in a
// read-only CodeMirror (loaded with this page only). Token colours are CSS
// variables, so both themes keep their contrast.
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { EditorState } from '@codemirror/state'
import { EditorView, lineNumbers } from '@codemirror/view'
import { tags as t } from '@lezer/highlight'
import { useEffect, useRef } from 'react'
import { loadLanguage } from '../session/editor/languages'

const style = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.operatorKeyword, t.definitionKeyword, t.moduleKeyword], color: 'var(--tok-keyword)', fontWeight: '600' },
  { tag: [t.string, t.special(t.string), t.regexp], color: 'var(--tok-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--tok-number)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--tok-comment)', fontStyle: 'italic' },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.definition(t.variableName)], color: 'var(--tok-function)' },
  { tag: [t.typeName, t.className], color: 'var(--tok-type)' },
])

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
              syntaxHighlighting(style),
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
