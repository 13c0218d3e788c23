// Writes the Yjs updates of someone typing n characters of code, one
// update per keystroke as y-websocket would send them, for the benchmarks:
//
//   node gen-updates.mjs <n> <out-file>
//
// The file holds each update as a little-endian uint32 length and its
// bytes; a JSON line on stdout gives the final text length and the size of
// the document's full state.
import * as Y from 'yjs'
import { writeFileSync } from 'node:fs'

const n = Number(process.argv[2])
const out = process.argv[3]
const doc = new Y.Doc()
const text = doc.getText('code')
const chunks = []
let bytes = 0
doc.on('update', (u) => {
  const len = Buffer.alloc(4)
  len.writeUInt32LE(u.length)
  chunks.push(len, Buffer.from(u))
  bytes += u.length
})
const line = 'for (let i = 0; i < items.length; i++) { total += items[i] * weight; }\n'
let pos = 0
for (let i = 0; i < n; i++) {
  if (i % 50 === 49 && pos > 10) {
    // now and then a correction: delete the character before the cursor
    doc.transact(() => text.delete(pos - 1, 1))
    pos--
    continue
  }
  doc.transact(() => text.insert(pos, line[i % line.length]))
  pos++
}
writeFileSync(out, Buffer.concat(chunks))
console.log(JSON.stringify({ updates: n, textLength: text.length, updateBytes: bytes, fullStateBytes: Y.encodeStateAsUpdate(doc).length }))
