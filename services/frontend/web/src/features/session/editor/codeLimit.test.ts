import { EditorState } from '@codemirror/state'
import { describe, expect, it, vi } from 'vitest'
import { codeLimit, MAX_CODE_BYTES, utf8Length } from './codeLimit'

describe('the 100 KiB code limit', () => {
  it('refuses a paste that would take the code past 100 KiB, and says so', () => {
    const refused = vi.fn()
    const state = EditorState.create({ doc: 'x'.repeat(MAX_CODE_BYTES - 10), extensions: [codeLimit(refused)] })
    const over = state.update({ changes: { from: 0, insert: 'y'.repeat(11) }, userEvent: 'input.paste' }).state
    expect(over.doc.length).toBe(MAX_CODE_BYTES - 10)
    expect(refused).toHaveBeenCalledOnce()
    const fits = state.update({ changes: { from: 0, insert: 'y'.repeat(10) } }).state
    expect(fits.doc.length).toBe(MAX_CODE_BYTES)
  })

  it('counts bytes, not characters', () => {
    expect(utf8Length('é€😀')).toBe(2 + 3 + 4)
    const refused = vi.fn()
    const n = Math.floor(MAX_CODE_BYTES / 3) // 102,399 bytes of euro signs
    const state = EditorState.create({ doc: '€'.repeat(n), extensions: [codeLimit(refused)] })
    expect(state.update({ changes: { from: 0, insert: '€' } }).state.doc.length).toBe(n)
    expect(state.update({ changes: { from: 0, insert: 'a' } }).state.doc.length).toBe(n + 1)
    expect(refused).toHaveBeenCalledOnce()
  })

  it('always lets the code shrink', () => {
    const refused = vi.fn()
    const state = EditorState.create({ doc: '€'.repeat(MAX_CODE_BYTES), extensions: [codeLimit(refused)] })
    expect(state.update({ changes: { from: 0, to: 5 } }).state.doc.length).toBe(MAX_CODE_BYTES - 5)
    expect(refused).not.toHaveBeenCalled()
  })
})
