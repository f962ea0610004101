package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// LockHolder is who holds a window's journal: one porthole process at a time.
type LockHolder struct {
	User  string    `json:"user"`
	Host  string    `json:"host"`
	PID   int       `json:"pid"`
	Since time.Time `json:"since"`
}

// WindowLockedError says that another porthole process has the window open.
type WindowLockedError struct {
	ID     string
	Holder LockHolder // zero when the holder could not be read
}

func (e *WindowLockedError) Error() string {
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("window %s is open in another porthole process: close it there, then try again", e.ID)
	}
	return fmt.Sprintf("window %s is open in another porthole: %s on %s, pid %d, since %s; finish or quit it there (only one process may run a window)",
		e.ID, h.User, h.Host, h.PID, h.Since.Local().Format("15:04:05"))
}

// windowLock is an flock(2) on <windows>/.<id>.lock, held while the journal
// is open; the kernel drops it when the process dies, so a kill -9 leaves no
// stale lock. The file says who holds it.
type windowLock struct{ f *os.File }

func lockWindow(wdir, id string) (*windowLock, error) {
	path := filepath.Join(wdir, "."+id+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking the window: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			le := &WindowLockedError{ID: id}
			if b, rerr := os.ReadFile(path); rerr == nil {
				_ = json.Unmarshal(b, &le.Holder)
			}
			return nil, le
		}
		return nil, fmt.Errorf("locking the window: %w", err)
	}
	host, _ := os.Hostname()
	b, _ := json.Marshal(LockHolder{User: CurrentUser(), Host: host, PID: os.Getpid(), Since: time.Now()})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(b, 0)
	}
	return &windowLock{f: f}, nil
}

func (l *windowLock) release() {
	if l == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
}

// WindowOpen tells whether a porthole process has window id open: its journal
// is under stateDir and its lock is held. A window with no journal there
// is not running there.
func WindowOpen(stateDir, id string) bool {
	wdir := WindowsDir(stateDir)
	if _, err := os.Stat(filepath.Join(wdir, id+".jsonl")); err != nil {
		return false
	}
	l, err := lockWindow(wdir, id)
	if err != nil {
		var le *WindowLockedError
		return errors.As(err, &le)
	}
	l.release()
	return false
}
