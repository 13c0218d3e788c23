// The shared editor: CodeMirror 6 bound to the session's Y.Text through
// y-codemirror.next, synced by y-websocket with collaboration-service.
// Loaded lazily (this module pulls in CodeMirror, yjs and y-websocket).
import { defaultKeymap, indentWithTab } from '@codemirror/commands'
import { bracketMatching, indentOnInput } from '@codemirror/language'
import { Compartment, EditorState } from '@codemirror/state'
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from '@codemirror/view'
import { useEffect, useRef, useState, type RefObject } from 'react'
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { connReducer, initialConn, type ConnAction, type ConnState } from '../../../api/connection'
import { ApiError } from '../../../api/errors'
import { languageName, LANGUAGES } from '../../questions/api'
import { saveSnapshot } from '../api'
import { CODE_LIMIT_MESSAGE, codeLimit } from './codeLimit'
import { codeColours, themedHighlighting } from './highlight'
import { loadLanguage } from './languages'
import { editorSocket } from './provider'
import { PALETTE, peerIndex, remoteCarets } from './remoteCarets'
import { insertStarter, META_NAME, TEXT_NAME } from './starter'

/** EditorController lets the page read the code (for the snapshot on leave). */
export interface EditorController {
  snapshot(): { code: string; language: string }
}

export interface CollabEditorProps {
  sessionId: string
  username: string
  initialLanguage: string
  starterCode: Record<string, string> | undefined
  controller: RefObject<EditorController | null>
  onConnection: (s: ConnState) => void
  /** The server closed the editor for good: 4410 ended, 4403 you left, 4413 too large. */
  onClosed: (code: number) => void
  /** A control message (type 100: JSON) from the server, e.g. a mock interview's new phase. */
  onControl?: (message: unknown) => void
  /** The shared text to edit (default TEXT_NAME); a mock interview's second question has its own. Fixed for the editor's life. */
  textName?: string
  /** The question whose document this is, sent with snapshots (a mock interview's first question keeps its code after the swap). */
  questionId?: string
}

const SNAPSHOT_EVERY_MS = 4000

/** CONTROL_MESSAGE is collaboration-service's own message type: a JSON control message. */
const CONTROL_MESSAGE = 100

// The page's stylesheet does not reach into the shadow root: the editor's
// own look is a CodeMirror theme.
const editorTheme = EditorView.theme({
  '&': { flex: '1', minHeight: '0', height: '100%', fontSize: '14px' },
  '&.cm-focused': { outline: '3px solid #f59e0b', outlineOffset: '-3px' },
  '.cm-scroller': { fontFamily: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace", lineHeight: '1.5' },
  '.cm-content': { paddingBottom: '2rem' },
})

export default function CollabEditor(props: CollabEditorProps) {
  const host = useRef<HTMLDivElement>(null)
  const [language, setLanguage] = useState(props.initialLanguage || 'python')
  const [ready, setReady] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const session = useRef<{ view: EditorView; meta: Y.Map<unknown>; langs: Compartment } | null>(null)
  const latest = useRef(props)
  useEffect(() => {
    latest.current = props
  })

  useEffect(() => {
    const { sessionId, username, initialLanguage } = latest.current
    const textName = latest.current.textName ?? TEXT_NAME
    const questionId = latest.current.questionId // fixed for the editor's life, like textName
    const doc = new Y.Doc()
    const ytext = doc.getText(textName)
    const meta = doc.getMap<unknown>(META_NAME)
    let conn = initialConn(navigator.onLine)
    const dispatch = (a: ConnAction) => {
      const next = connReducer(conn, a)
      if (next !== conn) {
        conn = next
        latest.current.onConnection(conn)
      }
    }
    latest.current.onConnection(conn)
    const socket = editorSocket(doc, sessionId, {
      onConn: dispatch,
      onNotice: setNotice,
      onClosed: (code) => latest.current.onClosed(code),
    })
    const provider = socket.provider
    provider.messageHandlers[CONTROL_MESSAGE] = (_encoder, decoder) => {
      try {
        latest.current.onControl?.(JSON.parse(decoding.readVarString(decoder)))
      } catch {
        // A malformed control message is dropped; the state is read again on reconnect.
      }
    }
    const awareness = provider.awareness
    awareness.setLocalStateField('user', { name: username, color: PALETTE[peerIndex(doc.clientID)] })

    // Undo only what this person typed: the sync plugin's origin is added
    // by yCollab; remote updates and the starter insertion are not tracked.
    const undoManager = new Y.UndoManager(ytext, { trackedOrigins: new Set() })
    const langs = new Compartment()
    // The editor lives in a shadow root: CodeMirror (style-mod) then installs
    // its styles as a constructed stylesheet (adoptedStyleSheets); on the
    // document itself it would add a <style> element, which the
    // Content-Security-Policy (style-src 'self') refuses.
    const shadow = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: 'open' })
    const view = new EditorView({
      root: shadow,
      parent: shadow,
      state: EditorState.create({
        doc: ytext.toString(),
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightSpecialChars(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          themedHighlighting,
          codeColours,
          keymap.of([...yUndoManagerKeymap, ...defaultKeymap, indentWithTab]),
          langs.of([]),
          yCollab(ytext, null, { undoManager }),
          codeLimit(() => setNotice(CODE_LIMIT_MESSAGE)),
          remoteCarets(ytext, awareness),
          editorTheme,
          EditorView.contentAttributes.of({ 'aria-label': 'Code editor, shared with your partner' }),
        ],
      }),
    })
    session.current = { view, meta, langs }

    const currentLanguage = () => {
      const l = meta.get('language')
      return typeof l === 'string' && l ? l : initialLanguage || 'python'
    }
    latest.current.controller.current = { snapshot: () => ({ code: ytext.toString(), language: currentLanguage() }) }

    let starterDone = false
    provider.on('sync', (synced: boolean) => {
      if (!synced) return
      setReady(true)
      if (!starterDone) {
        starterDone = true
        const code = latest.current.starterCode?.[currentLanguage()]
        if (code) insertStarter(doc, code, 'starter', textName)
      }
    })
    const onOnline = () => dispatch({ type: 'online' })
    const onOffline = () => dispatch({ type: 'offline' })
    window.addEventListener('online', onOnline)
    window.addEventListener('offline', onOffline)

    const onMeta = () => setLanguage(currentLanguage())
    meta.observe(onMeta)
    onMeta()

    // Snapshots: every few seconds while the code or language changes.
    let dirty = false
    let saving = false
    const markDirty = () => {
      dirty = true
    }
    ytext.observe(markDirty)
    meta.observe(markDirty)
    const timer = setInterval(() => {
      if (!dirty || saving || !provider.synced) return
      dirty = false
      saving = true
      saveSnapshot(sessionId, ytext.toString(), currentLanguage(), questionId)
        .catch((e: unknown) => {
          if (e instanceof ApiError && e.status === 410) return // ended or left: nothing to save
          dirty = true
        })
        .finally(() => {
          saving = false
        })
    }, SNAPSHOT_EVERY_MS)

    provider.connect()
    return () => {
      clearInterval(timer)
      // The editor is replaced (a mock interview's swap) or closed: its
      // last edits still belong to its question.
      if (dirty && questionId && provider.synced) void saveSnapshot(sessionId, ytext.toString(), currentLanguage(), questionId).catch(() => {})
      window.removeEventListener('online', onOnline)
      window.removeEventListener('offline', onOffline)
      ytext.unobserve(markDirty)
      meta.unobserve(markDirty)
      meta.unobserve(onMeta)
      session.current = null
      socket.destroy()
      view.destroy()
      undoManager.destroy()
      doc.destroy()
    }
  }, [props.sessionId])

  // Highlighting follows the shared language.
  useEffect(() => {
    let live = true
    loadLanguage(language)
      .then((support) => {
        const s = session.current
        if (live && s) s.view.dispatch({ effects: s.langs.reconfigure(support ?? []) })
      })
      .catch(() => {
        // Without the parser the editor still works, unhighlighted.
      })
    return () => {
      live = false
    }
  }, [language])

  function switchLanguage(l: string) {
    const s = session.current
    if (!s) return
    s.meta.set('language', l)
  }

  return (
    <section className="editor-pane" aria-label="Shared code editor">
      <div className="editor-toolbar">
        <label htmlFor="session-language">Language</label>
        <select id="session-language" value={language} onChange={(e) => switchLanguage(e.target.value)}>
          {LANGUAGES.map((l) => (
            <option key={l} value={l}>
              {languageName(l)}
            </option>
          ))}
        </select>
        <span className="muted editor-hint">
          Press Esc then Tab to leave the editor.
        </span>
      </div>
      {notice && (
        <p className="editor-notice" role="alert">
          {notice}
        </p>
      )}
      {!ready && <p className="muted">Loading the shared document…</p>}
      <div className="editor-host" ref={host} />
    </section>
  )
}
