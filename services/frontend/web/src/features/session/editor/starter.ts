// Starter code goes into an empty shared document exactly once, even when
// both people join at the same instant: the insertion is built in a
// throwaway Y.Doc whose clientID is derived from the code itself, so both
// peers produce byte-identical structs (same client, same clock) and Yjs
// keeps one copy when their updates meet. Different starter texts get
// different client ids, so two versions can never collide on an id.
import * as Y from 'yjs'
import { TEXT_NAME } from './textNames'

export { SECOND_TEXT_NAME, TEXT_NAME } from './textNames'
export const META_NAME = 'meta'

/** starterKey keeps the first text's ids as they always were, and gives other texts ids of their own. */
const starterKey = (code: string, textName: string) => (textName === TEXT_NAME ? code : `${textName}\u0000${code}`)

/** starterClientId is a stable 31-bit id (never 0) from the text (FNV-1a). */
export function starterClientId(code: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < code.length; i++) {
    h ^= code.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return (h & 0x3fffffff) | 0x40000000
}

/** starterUpdate is the Yjs update that inserts code into an empty text. */
export function starterUpdate(code: string, textName = TEXT_NAME): Uint8Array {
  const tmp = new Y.Doc()
  tmp.clientID = starterClientId(starterKey(code, textName))
  tmp.getText(textName).insert(0, code)
  const update = Y.encodeStateAsUpdate(tmp)
  tmp.destroy()
  return update
}

/**
 * insertStarter applies the starter update when the document's text is
 * empty and this starter was never applied before (deleting it all must
 * not bring it back). Returns whether it inserted.
 */
export function insertStarter(doc: Y.Doc, code: string, origin: unknown = 'starter', textName = TEXT_NAME): boolean {
  if (!code) return false
  const text = doc.getText(textName)
  if (text.length > 0) return false
  const id = starterClientId(starterKey(code, textName))
  if (Y.decodeStateVector(Y.encodeStateVector(doc)).has(id)) return false
  Y.applyUpdate(doc, starterUpdate(code, textName), origin)
  return true
}
