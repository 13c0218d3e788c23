import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { insertStarter, SECOND_TEXT_NAME, TEXT_NAME } from './starter'

const code = 'def two_sum(nums, target):\n    pass\n'

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)))
}

describe('starter code', () => {
  it('two peers inserting at the same instant end with one copy', () => {
    const a = new Y.Doc()
    const b = new Y.Doc()
    expect(insertStarter(a, code)).toBe(true)
    expect(insertStarter(b, code)).toBe(true)
    sync(a, b)
    expect(a.getText(TEXT_NAME).toString()).toBe(code)
    expect(b.getText(TEXT_NAME).toString()).toBe(code)
  })

  it('edits made on top of the starter by both peers survive the merge', () => {
    const a = new Y.Doc()
    const b = new Y.Doc()
    insertStarter(a, code)
    insertStarter(b, code)
    a.getText(TEXT_NAME).insert(0, '# alice\n')
    b.getText(TEXT_NAME).insert(code.length, '# bob\n')
    sync(a, b)
    const text = a.getText(TEXT_NAME).toString()
    expect(text).toBe(b.getText(TEXT_NAME).toString())
    expect(text.split('def two_sum').length - 1).toBe(1)
    expect(text).toContain('# alice')
    expect(text).toContain('# bob')
  })

  it('is not inserted into a document that has text', () => {
    const a = new Y.Doc()
    a.getText(TEXT_NAME).insert(0, 'print(1)')
    expect(insertStarter(a, code)).toBe(false)
    expect(a.getText(TEXT_NAME).toString()).toBe('print(1)')
  })

  it('does not come back after someone deleted it all', () => {
    const a = new Y.Doc()
    insertStarter(a, code)
    const t = a.getText(TEXT_NAME)
    t.delete(0, t.length)
    expect(insertStarter(a, code)).toBe(false)
    expect(t.toString()).toBe('')
  })

  it('a peer that joins later gets the copy from the other without a second one', () => {
    const a = new Y.Doc()
    insertStarter(a, code)
    const b = new Y.Doc()
    sync(a, b)
    expect(insertStarter(b, code)).toBe(false)
    expect(b.getText(TEXT_NAME).toString()).toBe(code)
  })

  it('a second question gets a fresh text with its starter, even the same code, and the first code stays', () => {
    const a = new Y.Doc()
    const b = new Y.Doc()
    insertStarter(a, code)
    a.getText(TEXT_NAME).insert(code.length, '# first answer\n')
    sync(a, b)
    expect(insertStarter(a, code, 'starter', SECOND_TEXT_NAME)).toBe(true)
    expect(insertStarter(b, code, 'starter', SECOND_TEXT_NAME)).toBe(true)
    sync(a, b)
    expect(b.getText(SECOND_TEXT_NAME).toString()).toBe(code)
    expect(b.getText(TEXT_NAME).toString()).toBe(code + '# first answer\n')
    expect(insertStarter(a, code, 'starter', SECOND_TEXT_NAME)).toBe(false)
  })
})
