package window

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"porthole/config"
	"porthole/internal/lazyre"
	"porthole/remote"
	"porthole/runbooks"
	"porthole/runbooks/journal"
)

// A backport window holds scap's backport lock on the deployment host for
// its whole duration, as `scap backport` does (scap/lock.py: created with
// O_EXCL, holding the reason, removed at the end): porthole windows and scap
// backport exclude each other, and two windows never fetch or rebase the
// same checkout at once. While scap-global-lock exists (scap lock --all) a
// window refuses, as every scap command does.

const (
	backportLockName = "scap.backport.lock"
	globalLockName   = "scap-global-lock"
	lockHeld         = 3 // exit codes of lockScript
	lockGlobal       = 4
	lockCannot       = 5
)

// lockMark is what names a window in the lock's reason.
func lockMark(sc *runbooks.StepContext) string {
	id := ""
	if sc.Plan != nil {
		id = sc.Plan.ID
	}
	return "porthole window " + id
}

// lockScript tries to take the lock; on failure it prints the holder's
// user and the lock's text and exits lockHeld or lockGlobal.
func lockScript(dir, reason string) string {
	d := remote.Quote(dir)
	return strings.Join([]string{
		"g=" + d + "/" + globalLockName + "; f=" + d + "/" + backportLockName,
		`if [ -e "$g" ]; then stat -c %U -- "$g" 2>/dev/null || echo 'a server gremlin'; cat -- "$g"; exit 4; fi`,
		"mkdir -p -- " + d + " 2>/dev/null",
		"if ( set -C; umask 022; printf '%s' " + remote.Quote(reason) + ` > "$f" ) 2>/dev/null; then exit 0; fi`,
		`[ -e "$f" ] || { echo "cannot create $f" >&2; exit 5; }`,
		`stat -c %U -- "$f" 2>/dev/null || echo 'a server gremlin'; cat -- "$f"; exit 3`,
	}, "\n")
}

// holder reads lockScript's report: the lock's owner and reason.
func holder(out []byte) (string, string) {
	owner, reason, _ := strings.Cut(strings.TrimRight(string(out), "\n"), "\n")
	if reason == "" {
		reason = "no excuse given"
	}
	return strings.TrimSpace(owner), reason
}

// lockExcuse is scap's message for a lock it cannot take.
func lockExcuse(file, owner, reason string) string {
	return fmt.Sprintf("Failed to acquire lock %q; owner is %q; reason is %q", file, owner, reason)
}

// backportLock is scap's backport lock as a window holds it: backport
// windows and revert windows take it from their first step to their last.
type backportLock struct {
	env *runbooks.Env
	sal string // what the window does, for the lock's reason
	// parent is the window a revert was started from ("" for none): while
	// that window still holds the lock, the revert works under it.
	parent string
}

// underParent is true when the lock's reason names the parent window.
func (bl *backportLock) underParent(reason string) bool {
	return bl.parent != "" && strings.Contains(reason, windowMark(bl.parent))
}

// windowMark is how a lock's reason names window id ("porthole window ID by …").
func windowMark(id string) string { return "porthole window " + id + " " }

// removeLockOf removes file if its reason names window id (a lock taken
// over meanwhile is left alone).
func removeLockOf(id, file string) string {
	return "grep -qF -- " + remote.Quote(windowMark(id)) + " " + remote.Quote(file) + " && rm -f -- " + remote.Quote(file)
}

// file is the lock file on the deployment host.
func (bl *backportLock) file() string {
	return path.Join(bl.env.Config.EffectiveLockDir(), backportLockName)
}

// read is the lock's reason ("" when there is no lock).
func (bl *backportLock) read(ctx context.Context, sc *runbooks.StepContext) (string, error) {
	res, err := sc.ExecCapture(ctx, config.RoleDeploy, remote.Command{Cmd: "cat -- " + remote.Quote(bl.file()) + " 2>/dev/null", Keep: true})
	return string(res.Stdout), err
}

// take is the window's first step: take the lock, or wait for it (up to
// the configured wait, scap's 600 s, with a countdown in the notes), or
// stop with scap's message.
func (bl *backportLock) take(ctx context.Context, sc *runbooks.StepContext) error {
	cfg := bl.env.Config
	dir := cfg.EffectiveLockDir()
	file := bl.file()
	reason := bl.sal + " (" + lockMark(sc) + " by " + sc.Env.User + ")"
	wait := cfg.EffectiveLockWait()
	poll := min(5*time.Second, max(wait/20, 100*time.Millisecond))
	deadline := time.Now().Add(wait)
	lastNote := time.Time{}
	ex, err := sc.Env.Hosts.One(config.RoleDeploy)
	if err != nil {
		return err
	}
	script := lockScript(dir, reason)
	sc.EchoCommand(ex.Host(), script)
	tookOver := false
	for {
		res, err := ex.Run(ctx, remote.Command{Cmd: script, Keep: true})
		if err != nil {
			return err
		}
		owner, why := holder(res.Stdout)
		switch res.ExitCode {
		case 0:
			sc.Note(runbooks.Info, "holding %s on the deployment host for the whole window (reason: %s)", file, reason)
			return nil
		case lockGlobal:
			return fmt.Errorf("%s: scap is locked for everyone (scap lock --all); wait until it is unlocked", lockExcuse(path.Join(dir, globalLockName), owner, why))
		case lockHeld:
			if strings.Contains(why, lockMark(sc)) {
				sc.Note(runbooks.Info, "this window already holds %s (reason: %s)", file, why)
				return nil
			}
			if bl.underParent(why) {
				sc.Note(runbooks.Info, "window %s, which this revert undoes, holds %s: the revert works under its lock (reason: %s)", bl.parent, file, why)
				return nil
			}
			// the lock's window as this machine journaled it, read once per look
			w, journaled := journaledWindow(cfg, why)
			if journaled && !w.Resumable && !tookOver { // stale: nothing will release it
				tookOver = true
				sc.Note(runbooks.Warn, "%s was left by window %s, which was abandoned, finished or reverted: removing it", file, w.ID)
				if _, err := ex.Run(ctx, remote.Command{Cmd: removeLockOf(w.ID, file), Keep: true}); err != nil {
					return err
				}
				continue
			}
			if journaled && w.Resumable && !journal.WindowOpen(config.StateDir(cfg), w.ID) { // stopped, open nowhere
				return fmt.Errorf("%s: window %s stopped (%s) and can still be resumed, so nothing will release its lock: resume it (Home: enter on it; porthole run --resume %s) or abandon it (Home: x), then run this window's lock step again",
					lockExcuse(file, owner, why), w.ID, w.Why, w.ID)
			}
		default:
			return fmt.Errorf("cannot take %s on the deployment host: exit %d: %s", file, res.ExitCode, strings.TrimSpace(string(res.Stderr)))
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("%s: waited %s; another backport is running, ask %s in #wikimedia-operations", lockExcuse(file, owner, why), wait.Round(time.Second), owner)
		}
		if lastNote.IsZero() || time.Since(lastNote) >= 30*time.Second {
			lastNote = time.Now()
			sc.Note(runbooks.Warn, "%s is held by %s (%s): waiting, %s left (stop the window to give up)", file, owner, why, left.Round(time.Second))
		}
		t := time.NewTimer(min(poll, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

var lockWindowRE = lazyre.New(`porthole window (\S+) by `)

// lockWindow is the id of the porthole window a lock's reason names ("" for none).
func lockWindow(reason string) string {
	if m := lockWindowRE.FindStringSubmatch(reason); m != nil {
		return m[1]
	}
	return ""
}

// staleWindow is the id of the porthole window named in a lock's reason
// when this machine journaled it and it can no longer resume (abandoned,
// finished without releasing its lock, declined after only taking it, or
// taken back by a revert); "" otherwise.
func staleWindow(cfg *config.Config, reason string) string {
	if w, ok := journaledWindow(cfg, reason); ok && !w.Resumable {
		return w.ID
	}
	return ""
}

// journaledWindow is the window a lock's reason names, as this machine's
// journal list has it.
func journaledWindow(cfg *config.Config, reason string) (journal.WindowSummary, bool) {
	id := lockWindow(reason)
	if id == "" {
		return journal.WindowSummary{}, false
	}
	// the list, not the window alone: a window a later revert took back
	// cannot resume although it stopped mid-way
	all, err := journal.ListWindows(config.StateDir(cfg))
	if err != nil {
		return journal.WindowSummary{}, false
	}
	for _, w := range all {
		if w.ID == id {
			return w, true
		}
	}
	return journal.WindowSummary{}, false
}

// held: after a restart, the lock step is done when this window (or the
// window it reverts) holds the lock.
func (bl *backportLock) held(ctx context.Context, sc *runbooks.StepContext) (bool, error) {
	reason, err := bl.read(ctx, sc)
	if err != nil {
		return false, err
	}
	return strings.Contains(reason, lockMark(sc)) || bl.underParent(reason), nil
}

// release is the window's last step: remove the lock if it is this
// window's (a parent's lock is the parent's to release).
func (bl *backportLock) release(ctx context.Context, sc *runbooks.StepContext) error {
	if done, err := bl.releaseParents(ctx, sc); done || err != nil {
		return err
	}
	f := remote.Quote(bl.file())
	// The lock of another holder is left alone, its reason printed.
	cmd := "if grep -qF -- " + remote.Quote(lockMark(sc)) + " " + f + " 2>/dev/null; then rm -f -- " + f + "; else cat -- " + f + " 2>/dev/null || :; fi"
	res, err := remote.Check(sc.ExecCapture(ctx, config.RoleDeploy, remote.Command{Cmd: cmd, Keep: true}))
	if err != nil {
		return err
	}
	if reason := strings.TrimSpace(string(res.Stdout)); reason != "" {
		bl.noteLeft(sc, reason)
	}
	return nil
}

// noteLeft says whose lock the release left in place, and why.
// releaseDeclined lets the lock go when the window ended declined before
// it did anything but check and take the lock (runbooks.Step.Release).
func (bl *backportLock) releaseDeclined(ctx context.Context, sc *runbooks.StepContext) error {
	reason, err := bl.read(ctx, sc)
	if err != nil {
		return err
	}
	if err := bl.release(ctx, sc); err != nil {
		return err
	}
	if strings.Contains(reason, lockMark(sc)) {
		sc.Note(runbooks.Info, "the window was declined before it did anything: %s is released", bl.file())
	}
	return nil
}

func (bl *backportLock) noteLeft(sc *runbooks.StepContext, reason string) {
	if id := lockWindow(reason); id != "" {
		sc.Note(runbooks.Info, "window %s holds the lock, not this window: its lock %s is left to it", id, bl.file())
		return
	}
	sc.Note(runbooks.Info, "%s is not this window's (reason: %s): left alone", bl.file(), reason)
}

// releaseParents removes the lock of the window this revert undoes when
// that window can no longer resume (the revert took back all it synced):
// nobody else would release it. done is true when it did.
func (bl *backportLock) releaseParents(ctx context.Context, sc *runbooks.StepContext) (done bool, err error) {
	if bl.parent == "" {
		return false, nil
	}
	reason, err := bl.read(ctx, sc)
	if err != nil {
		return false, err
	}
	if !bl.underParent(reason) || staleWindow(bl.env.Config, reason) != bl.parent {
		return false, nil
	}
	file := bl.file()
	if _, err := remote.Check(sc.ExecCapture(ctx, config.RoleDeploy, remote.Command{Cmd: removeLockOf(bl.parent, file), Keep: true})); err != nil {
		return false, err
	}
	sc.Note(runbooks.Info, "window %s can no longer resume (this revert took back what it synced): its lock %s is released", bl.parent, file)
	return true, nil
}

// parentClause says when the release also removes the reverted window's lock.
func (bl *backportLock) parentClause() string {
	if bl.parent == "" {
		return ""
	}
	return ", or window " + bl.parent + " does and can no longer resume"
}

// steps are the first and the last step of a window that holds the lock.
func (bl *backportLock) steps() (*runbooks.Step, *runbooks.Step) {
	f := bl.file()
	return &runbooks.Step{
			ID: "backport-lock", Title: "Take the backport lock (" + f + ")", Role: config.RoleDeploy,
			Command: "(as scap backport: create " + f + " exclusively, holding the reason)",
			Undo:    "rm " + f + " on the deployment host (only if this window holds it)",
			Inert:   true,               // a window declined after it only holds the lock ended there:
			Release: bl.releaseDeclined, // it lets the lock go
			Do:      bl.take, Check: bl.held,
		}, &runbooks.Step{
			ID: "backport-unlock", Title: "Release the backport lock", Role: config.RoleDeploy,
			Command: "rm " + f + " (if this window holds it" + bl.parentClause() + ")",
			Do:      bl.release, Check: checkNever,
		}
}
