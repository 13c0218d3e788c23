package server

import (
	"io"
	"log/slog"
	"strings"
)

// secretKeys are attribute names whose values are never written.
var secretKeys = []string{"password", "token", "secret", "authorization", "cookie", "key"}

// NewLogger returns a JSON slog logger at level ("debug", "info", "warn",
// "error"; default info) that blanks attributes named like secrets.
func NewLogger(w io.Writer, level, service string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: l,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			k := strings.ToLower(a.Key)
			for _, s := range secretKeys {
				if strings.Contains(k, s) {
					return slog.String(a.Key, "REDACTED")
				}
			}
			return a
		},
	})
	return slog.New(h).With("service", service)
}
