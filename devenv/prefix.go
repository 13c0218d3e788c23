package devenv

import (
	"bytes"
	"io"
	"sync"
)

// prefixWriter writes each complete line with a prefix, holding partial
// lines back until they are complete (or flushed) so lines of different
// services never interleave.
type prefixWriter struct {
	mu     *sync.Mutex
	out    io.Writer
	prefix string
	buf    []byte
}

// maxLine is the longest partial line held back before it is written anyway.
const maxLine = 64 << 10

func newPrefixWriter(mu *sync.Mutex, out io.Writer, prefix string) *prefixWriter {
	return &prefixWriter{mu: mu, out: out, prefix: prefix}
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	rest := w.buf
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		w.emit(rest[:i+1])
		rest = rest[i+1:]
	}
	if len(rest) >= maxLine {
		w.emit(append(rest, '\n'))
		rest = nil
	}
	w.buf = w.buf[:copy(w.buf, rest)]
	return len(p), nil
}

// Flush writes a trailing partial line.
func (w *prefixWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(append(w.buf, '\n'))
		w.buf = w.buf[:0]
	}
}

func (w *prefixWriter) emit(line []byte) {
	_, _ = io.WriteString(w.out, w.prefix)
	_, _ = w.out.Write(line)
}
