// The shared code is capped at 100 KiB of UTF-8, the most a session's
// snapshot and history keep (MaxCodeBytes in collaboration- and
// history-service). The editor refuses a change of this person's that
// would go past it, so nobody types or pastes into a document the server
// would then refuse (4413). Remote changes are never refused: the document
// must stay in sync.
import { EditorState, type Extension } from '@codemirror/state'
import { ySyncAnnotation } from 'y-codemirror.next'

export const MAX_CODE_BYTES = 100 * 1024

const encoder = new TextEncoder()

/** utf8Length is the byte length of s in UTF-8. */
export function utf8Length(s: string): number {
  return encoder.encode(s).length
}

export const CODE_LIMIT_MESSAGE = 'The shared code is limited to 100 KiB; that change was not made.'

/** codeLimit refuses local changes that take the code over MAX_CODE_BYTES. */
export function codeLimit(onRefused: () => void): Extension {
  return EditorState.transactionFilter.of((tr) => {
    if (!tr.docChanged || tr.annotation(ySyncAnnotation) !== undefined) return tr
    const n = tr.newDoc.length
    // A UTF-16 unit is at most 3 bytes of UTF-8; shrinking is always fine.
    if (n * 3 <= MAX_CODE_BYTES || n <= tr.startState.doc.length) return tr
    if (utf8Length(tr.newDoc.toString()) <= MAX_CODE_BYTES) return tr
    onRefused()
    return []
  })
}
