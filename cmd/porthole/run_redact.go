package main

import (
	"io"
	"porthole/runbooks/journal"
)

// redactWriter blanks secrets from what porthole run/backport/revert print,
// as the journal does: each write is a whole line or prompt, so a secret is
// never split across two writes.
type redactWriter struct {
	w   io.Writer
	red *journal.Redactor
}

func (rw redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.red.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redactRunOutput makes runOut and runErr redact with red until restore.
func redactRunOutput(red *journal.Redactor) (restore func()) {
	out, errw := runOut, runErr
	runOut, runErr = redactWriter{out, red}, redactWriter{errw, red}
	return func() { runOut, runErr = out, errw }
}

// redactedError carries err's message with secrets blanked; errors.As still
// finds what it wraps (a usage or interrupted error keeps its exit code).
type redactedError struct {
	err error
	msg string
}

func (e redactedError) Error() string { return e.msg }

func (e redactedError) Unwrap() error { return e.err }

func redactErr(red *journal.Redactor, err error) error {
	if err == nil {
		return nil
	}
	if msg := red.Redact(err.Error()); msg != err.Error() {
		return redactedError{err: err, msg: msg}
	}
	return err
}
