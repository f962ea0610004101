package runbooks

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"porthole/remote"
)

// DefaultBackoff waits 1s, 2s, then 4s between attempts of a step.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Second << (attempt - 1)
	if attempt < 1 || d > 4*time.Second || d <= 0 {
		return 4 * time.Second
	}
	return d
}

// IsTransient is true for errors a repeatable step may retry: a connection
// that failed or dropped (network errors, EOF on a connection, an attempt's
// own deadline). A non-zero exit, a cancel, or anything else is not transient.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var exit *remote.ExitError
	if errors.As(err, &exit) || errors.Is(err, context.Canceled) {
		return false
	}
	var hk *remote.HostKeyError
	if errors.As(err, &hk) {
		return false // a changed or unknown host key is never retried
	}
	var ce *remote.ConnError
	if errors.As(err, &ce) {
		var dns *net.DNSError
		switch {
		case ce.Op == remote.OpAuth:
			return false // the keys will not be accepted on a retry either
		case errors.As(ce.Err, &dns) && dns.IsNotFound:
			return false // a misspelt host stays misspelt
		}
		return true // dial, handshake, session, lost
	}
	var t interface{ Transient() bool }
	if errors.As(err, &t) {
		return t.Transient()
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	for _, e := range []error{syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.ECONNABORTED, syscall.EPIPE,
		syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN, syscall.EHOSTDOWN} {
		if errors.Is(err, e) {
			return true
		}
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTimeout || dns.IsTemporary
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
