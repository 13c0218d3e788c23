// The partner's caret and selection, drawn from Yjs awareness, labelled
// with their username. A CSP-clean rework of y-codemirror.next's
// yRemoteSelections: that one colours carets with inline style
// attributes, which `style-src 'self'` forbids; here colours come from a
// fixed palette of classes (the theme is installed by CodeMirror through
// adoptedStyleSheets, which the policy allows).
import { RangeSet, type Extension, type Range } from '@codemirror/state'
import { Decoration, EditorView, ViewPlugin, WidgetType, type DecorationSet, type ViewUpdate } from '@codemirror/view'
import type { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'

export const PALETTE = ['#1d4ed8', '#b91c1c', '#047857', '#7c3aed', '#b45309', '#0e7490', '#be185d', '#4d7c0f']

/** peerIndex picks a palette slot for a Yjs client id. */
export const peerIndex = (clientId: number) => Math.abs(clientId) % PALETTE.length

class CaretWidget extends WidgetType {
  readonly slot: number
  readonly name: string
  constructor(slot: number, name: string) {
    super()
    this.slot = slot
    this.name = name
  }
  toDOM() {
    const caret = document.createElement('span')
    caret.className = `cm-ySelectionCaret cm-yPeer-${this.slot}`
    const dot = document.createElement('span')
    dot.className = 'cm-ySelectionCaretDot'
    const info = document.createElement('span')
    info.className = 'cm-ySelectionInfo'
    info.textContent = this.name
    caret.append('\u2060', dot, '\u2060', info, '\u2060')
    return caret
  }
  eq(other: CaretWidget) {
    return other.slot === this.slot && other.name === this.name
  }
  get estimatedHeight() {
    return -1
  }
  ignoreEvent() {
    return true
  }
}

interface CursorState {
  anchor: unknown
  head: unknown
}

function remoteSelections(ytext: Y.Text, awareness: Awareness) {
  return ViewPlugin.fromClass(
    class {
      decorations: DecorationSet = RangeSet.of([])
      private readonly onChange: (c: { added: number[]; updated: number[]; removed: number[] }) => void
      constructor(view: EditorView) {
        this.onChange = ({ added, updated, removed }) => {
          if ([...added, ...updated, ...removed].some((id) => id !== awareness.doc.clientID)) {
            // Redraw outside the awareness callback (it may run inside a view update).
            queueMicrotask(() => view.dispatch({}))
          }
        }
        awareness.on('change', this.onChange)
      }
      destroy() {
        awareness.off('change', this.onChange)
      }
      update(update: ViewUpdate) {
        const doc = ytext.doc!
        const local = awareness.getLocalState()
        if (local) {
          const focused = update.view.hasFocus && update.view.dom.ownerDocument.hasFocus()
          const sel = focused ? update.state.selection.main : null
          const cur = local.cursor as CursorState | null | undefined
          if (sel) {
            const anchor = Y.createRelativePositionFromTypeIndex(ytext, sel.anchor)
            const head = Y.createRelativePositionFromTypeIndex(ytext, sel.head)
            const same =
              cur &&
              Y.compareRelativePositions(Y.createRelativePositionFromJSON(cur.anchor), anchor) &&
              Y.compareRelativePositions(Y.createRelativePositionFromJSON(cur.head), head)
            if (!same) awareness.setLocalStateField('cursor', { anchor, head })
          }
          // Losing focus keeps the last position: the partner still sees where you were.
        }
        const decos: Range<Decoration>[] = []
        awareness.getStates().forEach((state, clientId) => {
          if (clientId === awareness.doc.clientID) return
          const cursor = state.cursor as CursorState | null | undefined
          if (!cursor?.anchor || !cursor.head) return
          const anchor = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.anchor), doc)
          const head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), doc)
          if (!anchor || !head || anchor.type !== ytext || head.type !== ytext) return
          const len = update.state.doc.length
          const a = Math.min(anchor.index, len)
          const h = Math.min(head.index, len)
          const slot = peerIndex(clientId)
          const name = typeof state.user?.name === 'string' ? state.user.name : 'Anonymous'
          const from = Math.min(a, h)
          const to = Math.max(a, h)
          if (from < to) {
            const mark = Decoration.mark({ class: `cm-ySelection cm-yPeerBg-${slot}` })
            const first = update.state.doc.lineAt(from)
            const last = update.state.doc.lineAt(to)
            if (first.number === last.number) {
              decos.push(mark.range(from, to))
            } else {
              if (from < first.to) decos.push(mark.range(from, first.to))
              for (let n = first.number + 1; n < last.number; n++) {
                decos.push(Decoration.line({ class: `cm-yLineSelection cm-yPeerBg-${slot}` }).range(update.state.doc.line(n).from))
              }
              if (last.from < to) decos.push(mark.range(last.from, to))
            }
          }
          decos.push(Decoration.widget({ side: h - a > 0 ? -1 : 1, widget: new CaretWidget(slot, name) }).range(h))
        })
        this.decorations = Decoration.set(decos, true)
      }
    },
    { decorations: (v) => v.decorations },
  )
}

const slotRules: Record<string, Record<string, string>> = {}
PALETTE.forEach((c, i) => {
  slotRules[`.cm-yPeer-${i}`] = { backgroundColor: c, borderColor: c }
  slotRules[`.cm-yPeerBg-${i}`] = { backgroundColor: `${c}33` }
})

const theme = EditorView.baseTheme({
  '.cm-ySelectionCaret': {
    position: 'relative',
    borderLeft: '2px solid',
    marginLeft: '-1px',
    marginRight: '-1px',
    boxSizing: 'border-box',
    display: 'inline',
  },
  '.cm-ySelectionCaretDot': {
    borderRadius: '50%',
    position: 'absolute',
    width: '.4em',
    height: '.4em',
    top: '-.2em',
    left: '-.25em',
    backgroundColor: 'inherit',
  },
  '.cm-ySelectionInfo': {
    position: 'absolute',
    top: '-1.3em',
    left: '-2px',
    fontSize: '.75em',
    fontFamily: 'system-ui, sans-serif',
    lineHeight: 'normal',
    userSelect: 'none',
    color: 'white',
    padding: '0 3px',
    borderRadius: '3px 3px 3px 0',
    zIndex: '101',
    backgroundColor: 'inherit',
    whiteSpace: 'nowrap',
    pointerEvents: 'none',
  },
  '.cm-yLineSelection': { padding: '0', margin: '0 2px 0 4px' },
  ...slotRules,
})

/** remoteCarets draws every other client's caret and selection. */
export function remoteCarets(ytext: Y.Text, awareness: Awareness): Extension {
  return [theme, remoteSelections(ytext, awareness)]
}
