package journal

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
)

// LogFile is porthole's log under the state dir; the TUI owns the terminal,
// so nothing is logged there.
const LogFile = "porthole.log"

// maxLogSize is the size past which OpenLog starts a new log (keeping one old one).
const maxLogSize = 16 << 20

// OpenLog opens <stateDir>/porthole.log (0600) for appending and returns a
// logger whose every message and attribute passes through red (a Redactor
// with no known secrets when nil). A log over 16 MiB is rotated to porthole.log.1.
func OpenLog(stateDir string, red ...*Redactor) (*slog.Logger, io.Closer, error) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("creating the state dir for the log: %w", err)
	}
	path := filepath.Join(stateDir, LogFile)
	if st, err := os.Stat(path); err == nil && st.Size() > maxLogSize {
		_ = os.Rename(path, path+".1")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the log: %w", err)
	}
	var r *Redactor
	if len(red) > 0 {
		r = red[0]
	}
	h := &redactHandler{next: slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}), red: r}
	return slog.New(h), f, nil
}

// redactHandler redacts a record's message and string-like attributes.
type redactHandler struct {
	next slog.Handler
	red  *Redactor
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.red.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(red), red: h.red}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), red: h.red}
}

// attr redacts one attribute: strings, errors, Stringers and anything else
// printed as text; groups recursively.
func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.red.Redact(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = h.attr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.red.Redact(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, h.red.Redact(x.String()))
		default:
			return slog.String(a.Key, h.red.Redact(fmt.Sprintf("%+v", x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
