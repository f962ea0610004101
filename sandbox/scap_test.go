package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"porthole/remote"
)

// progressRE is scap's progress line without a terminal: "HH:MM:SS name:
// 40% (in-flight: 1; ok: 2; fail: 0; left: 2) ", padded to 80 columns.
var progressRE = regexp.MustCompile(`^\d\d:\d\d:\d\d ([a-z-]+): +(\d+)% \((?:in-flight: (\d+); )?ok: (\d+); fail: (\d+); left: (\d+)\) +$`)

// stageProgress parses the progress lines of one stage (from stderr).
func stageProgress(t *testing.T, out, stage string) []remote.Progress {
	t.Helper()
	var ps []remote.Progress
	for _, l := range lines(out) {
		m := progressRE.FindStringSubmatch(l)
		if m == nil || m[1] != stage {
			continue
		}
		if len(l) < 80 {
			t.Errorf("%q is not padded to 80 columns as scap pads it", l)
		}
		n := func(s string) int { v, _ := strconv.Atoi(s); return v }
		p := remote.Progress{Name: m[1], InFlight: n(m[3]), OK: n(m[4]), Failed: n(m[5])}
		p.Total = p.OK + p.Failed + p.InFlight + n(m[6])
		if p.Percent() != n(m[2]) {
			t.Errorf("%q: %d%% but scap's floor(100*done/total) is %d%%", l, n(m[2]), p.Percent())
		}
		ps = append(ps, p)
	}
	return ps
}

// checkStage checks one stage's progress lines on stderr without a
// terminal: scap's RateLimitedProgressReporter prints at most one line per
// 30 s plus the final one, so a quick stage shows its 0% start line and its
// 100% final line, nothing between.
func checkStage(t *testing.T, errs, stage string, hosts, failed int) {
	t.Helper()
	ps := stageProgress(t, errs, stage)
	if len(ps) != 2 {
		t.Fatalf("%s: %d progress lines, want 2 (the start and the final line, rate-limited):\n%s", stage, len(ps), errs)
	}
	if first := ps[0]; first.Total != hosts || first.Done() != 0 || first.InFlight != 0 {
		t.Errorf("%s starts at %+v, want 0 of %d", stage, first, hosts)
	}
	if last := ps[1]; last.Total != hosts || last.Failed != failed || last.InFlight != 0 || last.Done() != hosts {
		t.Errorf("%s ends at %+v, want all %d done with %d failed", stage, last, hosts, failed)
	}
}

// TestCoreBackport walks a core backport as the deployers' guide has it:
// the change merges; on deploy1002 git fetch, git log -p HEAD..@{u}, git
// rebase; then scap sync-file to every server.
func TestCoreBackport(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb := start(t, 0)
	cl := newClients(t, sb)
	n := sb.Changes["core"]
	if err := sb.Gerrit.Submit(n); err != nil {
		t.Fatal(err)
	}
	php := "php-" + sb.Version
	path := php + "/includes/api/ApiMain.php"
	dir := q(filepath.Join(sb.StagingDir(), php))
	got := cl.ok(t, DeployHost, "cd "+dir+" && git fetch -q && git log --format=%s HEAD..@{u}")
	if want := sb.Gerrit.Change(n).Subject + "\n"; got != want {
		t.Fatalf("HEAD..@{u} after the merge = %q, want only %q", got, want)
	}
	patch := cl.ok(t, DeployHost, "cd "+dir+" && git log -p HEAD..@{u}")
	if !strings.Contains(patch, "includes/api/ApiMain.php") || !strings.Contains(patch, "Change-Id: "+sb.Gerrit.Change(n).ChangeID) {
		t.Errorf("git log -p HEAD..@{u} does not show the change:\n%s", patch)
	}
	// The deployer's rebase keeps the security patch on top.
	cl.ok(t, DeployHost, "cd "+dir+" && git rebase -q")
	if got := cl.ok(t, DeployHost, "cd "+dir+" && git log --format=%s -2"); !strings.HasPrefix(got, "SECURITY: ") || !strings.Contains(got, "ApiMain: ") {
		t.Errorf("after the rebase, the last two commits are %q", got)
	}
	want, err := os.ReadFile(filepath.Join(sb.StagingDir(), path))
	if err != nil {
		t.Fatal(err)
	}
	if old, _ := sb.ReadAppServerFile("mw1001", path); string(old) == string(want) {
		t.Fatal("the app servers already run the change")
	}

	sal := fmt.Sprintf("Backport: [[gerrit:%d|%s (T388101)]]", n, sb.Gerrit.Change(n).Subject)
	before := time.Now().Truncate(time.Millisecond)
	out, errs, code := cl.run(t, DeployHost, "cd "+q(sb.StagingDir())+" && scap sync-file "+q(path)+" "+q(sal))
	if code != 0 {
		t.Fatalf("sync-file exited %d: %s", code, errs)
	}
	var synced []CommandSpan // the stand-in's own record of its runs
	for _, sp := range sb.ScapSpans() {
		if sp.Cmd == "scap sync-file" {
			synced = append(synced, sp)
		}
	}
	if len(synced) != 1 || synced[0].Host != DeployHost || synced[0].Start.Before(before) || synced[0].End.Before(synced[0].Start) || synced[0].End.After(time.Now()) {
		t.Errorf("the stand-in's record of its sync-file runs: %+v (ran after %s)", synced, before)
	}
	ls := lines(out)
	if !strings.HasPrefix(ls[0], "[sandbox] scap stand-in: ") {
		t.Errorf("first line %q does not say it is the sandbox's stand-in", ls[0])
	}
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d Started scap sync-file: ` + regexp.QuoteMeta(sal) + `$`).MatchString(ls[1]) {
		t.Errorf("second line %q, want the Started announcement", ls[1])
	}
	last := regexp.MustCompile(`^\d\d:\d\d:\d\d Synchronized ` + regexp.QuoteMeta(path) + `: ` + regexp.QuoteMeta(sal) + ` \(duration: \d\dm \d\ds\)$`)
	if !last.MatchString(ls[len(ls)-1]) {
		t.Errorf("last line %q, want scap's Synchronized line", ls[len(ls)-1])
	}
	checkStage(t, errs, "sync-testservers", 2, 0)
	checkStage(t, errs, "sync-canaries", 1, 0)
	checkStage(t, errs, "sync-apaches", 6, 0) // 5 app servers and the maintenance host
	checkStage(t, errs, "php-fpm-restart", 0, 0)
	if !strings.Contains(errs, "php-fpm-restart:   0% (ok: 0; fail: 0; left: 0) ") {
		t.Errorf("a stage with nothing to do is not 0%% as scap prints it:\n%s", errs)
	}
	if strings.Contains(out, "% (") {
		t.Errorf("progress lines on stdout (scap writes them to stderr):\n%s", out)
	}
	for _, h := range sb.HostNames[1:] {
		got, err := sb.ReadAppServerFile(h, path)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: the synced file differs (err %v)", h, err)
		}
	}
	// Only that file moved: the rest of the tree is as before.
	if _, err := os.Stat(filepath.Join(sb.AppServerDir("mw1002"), php, ".git")); !os.IsNotExist(err) {
		t.Errorf("sync-file copied .git: %v", err)
	}

	// A directory (an extension after git submodule update) syncs whole.
	cl.ok(t, DeployHost, "cd "+q(filepath.Join(sb.StagingDir(), php))+" && echo new > extensions/Echo/NEWFILE && rm extensions/Echo/i18n/en.json")
	_, errs, code = cl.run(t, DeployHost, "cd "+q(sb.StagingDir())+" && scap sync-file "+q(php+"/extensions/Echo/")+" 'Backport: Echo'")
	if code != 0 {
		t.Fatalf("sync-file of a directory exited %d: %s", code, errs)
	}
	checkStage(t, errs, "sync-apaches", 6, 0)
	for _, h := range []string{"mw1005", "mwdebug1002", MaintHost} {
		if got, err := sb.ReadAppServerFile(h, php+"/extensions/Echo/NEWFILE"); err != nil || string(got) != "new\n" {
			t.Errorf("%s: new file not synced: %q %v", h, got, err)
		}
		if _, err := sb.ReadAppServerFile(h, php+"/extensions/Echo/i18n/en.json"); !os.IsNotExist(err) {
			t.Errorf("%s: a file deleted in staging survives a directory sync: %v", h, err)
		}
		if _, err := os.Stat(filepath.Join(sb.AppServerDir(h), php, "extensions/Echo/.git")); !os.IsNotExist(err) {
			t.Errorf("%s: the submodule's .git was synced: %v", h, err)
		}
	}
}

// TestScapFailures rehearses what goes wrong: a failing host, bad paths,
// the wrong host, a held lock; then scap pull on a test server.
func TestScapFailures(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb := start(t, 0)
	cl := newClients(t, sb)
	staging := q(sb.StagingDir())
	path := "wmf-config/InitialiseSettings.php"
	cl.ok(t, DeployHost, "cd "+staging+" && echo '// edited' >> "+path)

	if err := sb.SetFailing("mw1003"); err != nil {
		t.Fatal(err)
	}
	_, errs, code := cl.run(t, DeployHost, "cd "+staging+" && scap sync-file "+path+" 'Config: test'")
	if code != 1 {
		t.Errorf("sync with a failing host exited %d, want 1", code)
	}
	if !strings.Contains(errs, "(ran as mwdeploy@mw1003) returned [255]") || !strings.Contains(errs, "1 apaches had sync errors") {
		t.Errorf("stderr does not report mw1003's failure as scap does:\n%s", errs)
	}
	checkStage(t, errs, "sync-apaches", 6, 1)
	for _, h := range []string{"mw1001", "mw1002", "mw1004", "mw1005"} {
		if got, _ := sb.ReadAppServerFile(h, path); !strings.HasSuffix(string(got), "// edited\n") {
			t.Errorf("%s did not get the file", h)
		}
	}
	if got, _ := sb.ReadAppServerFile("mw1003", path); strings.HasSuffix(string(got), "// edited\n") {
		t.Error("the failing host got the file")
	}
	if err := sb.SetFailing(); err != nil {
		t.Fatal(err)
	}

	_, errs, code = cl.run(t, DeployHost, "cd "+staging+" && scap sync-file wmf-config/NoSuchFile.php 'x'")
	if code == 0 || !strings.Contains(errs, "File/directory not found") {
		t.Errorf("missing path: exit %d, stderr %q", code, errs)
	}
	_, errs, code = cl.run(t, DeployHost, "scap sync-file ../../etc/passwd 'x'")
	if code == 0 || !strings.Contains(errs, "outside /srv/mediawiki-staging") {
		t.Errorf("path outside staging: exit %d, stderr %q", code, errs)
	}
	_, errs, code = cl.run(t, "mw1001", "scap sync-file "+path+" 'x'")
	if code == 0 || !strings.Contains(errs, "runs on the deployment host") {
		t.Errorf("sync-file on an app server: exit %d, stderr %q", code, errs)
	}
	_, errs, code = cl.run(t, DeployHost, "scap sync-file --bogus "+path)
	if code != 2 || !strings.Contains(errs, "unrecognized arguments: --bogus") {
		t.Errorf("unknown option: exit %d, stderr %q", code, errs)
	}

	// Another deployer's running sync holds the lock; a dead one's does not.
	lock := filepath.Join(sb.HostDir(DeployHost), "var", "lock", "scap")
	holder := exec.Command("sleep", "60")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	writeLock := func(pid int) {
		os.RemoveAll(lock)
		if err := os.MkdirAll(lock, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(lock, "pid"), []byte(strconv.Itoa(pid)+"\n"), 0o644)
		os.WriteFile(filepath.Join(lock, "owner"), []byte("someone\n"), 0o644)
		os.WriteFile(filepath.Join(lock, "reason"), []byte("Backport: other\n"), 0o644)
	}
	writeLock(holder.Process.Pid)
	_, errs, code = cl.run(t, DeployHost, "cd "+staging+" && scap sync-file "+path+" 'x'")
	if code == 0 || !strings.Contains(errs, `Failed to acquire lock "/var/lock/scap"; owner is "someone"; reason is "Backport: other"`) {
		t.Errorf("held lock: exit %d, stderr %q", code, errs)
	}
	holder.Process.Kill()
	holder.Wait()
	writeLock(holder.Process.Pid)
	cl.ok(t, DeployHost, "cd "+staging+" && scap sync-file "+path+" 'x'")
	if _, err := os.Stat(lock); !os.IsNotExist(err) {
		t.Errorf("the lock is left behind after a sync: %v", err)
	}

	t.Run("cancel", func(t *testing.T) { testScapCancel(t, sb, cl) })
	t.Run("pull", func(t *testing.T) { testScapPull(t, sb, cl) })
}

// testScapCancel closes the session of a running sync, as a cancelled
// porthole step does: the stand-in and its copies die and the lock goes.
func testScapCancel(t *testing.T, sb *Sandbox, cl *clients) {
	envFile := filepath.Join(sb.Root, "etc", "sandbox.env")
	saved, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	slow := strings.Replace(string(saved), "SANDBOX_SYNC_DELAY_MS=0", "SANDBOX_SYNC_DELAY_MS=60000", 1)
	if err := os.WriteFile(envFile, []byte(slow), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.WriteFile(envFile, saved, 0o644)

	s, err := cl.client(t, DeployHost).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.StderrPipe() // scap's progress goes to stderr
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("cd " + q(sb.StagingDir()) + " && scap sync-file wmf-config/InitialiseSettings.php 'slow one'"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	var seen strings.Builder
	for !strings.Contains(seen.String(), "sync-testservers:   0%") {
		n, err := out.Read(buf)
		if err != nil {
			t.Fatalf("the sync ended before its first stage: %v\n%s", err, seen.String())
		}
		seen.Write(buf[:n])
	}
	lock := filepath.Join(sb.HostDir(DeployHost), "var", "lock", "scap")
	pid := readPID(t, filepath.Join(lock, "pid"))
	if pid == 0 || !pidAlive(pid) {
		t.Fatalf("no running sync holds the lock (pid %d)", pid)
	}
	s.Close()
	waitFor(t, "the cancelled sync to die", func() bool { return !pidAlive(pid) })
	waitFor(t, "the cancelled sync to release its lock", func() bool {
		_, err := os.Stat(lock)
		return os.IsNotExist(err)
	})
	os.WriteFile(envFile, saved, 0o644)
	cl.ok(t, DeployHost, "cd "+q(sb.StagingDir())+" && scap sync-file wmf-config/InitialiseSettings.php 'after the cancel'")
}

func testScapPull(t *testing.T, sb *Sandbox, cl *clients) {
	staging := q(sb.StagingDir())
	cl.ok(t, DeployHost, "cd "+staging+" && echo '<?php // new' > wmf-config/New.php && rm dblists/group0.dblist")

	out := cl.ok(t, "mwdebug1001", "scap pull")
	if !strings.HasPrefix(out, "[sandbox] scap stand-in: ") || !strings.Contains(out, "Finished rsync common (duration: ") {
		t.Errorf("scap pull output:\n%s", out)
	}
	if got, err := sb.ReadAppServerFile("mwdebug1001", "wmf-config/New.php"); err != nil || string(got) != "<?php // new\n" {
		t.Errorf("mwdebug1001 did not get the new file: %q %v", got, err)
	}
	if _, err := sb.ReadAppServerFile("mwdebug1001", "dblists/group0.dblist"); !os.IsNotExist(err) {
		t.Errorf("a file deleted in staging survives scap pull: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sb.AppServerDir("mwdebug1001"), "php-"+sb.Version, ".git")); !os.IsNotExist(err) {
		t.Errorf("scap pull copied .git: %v", err)
	}
	if _, err := sb.ReadAppServerFile("mwdebug1002", "wmf-config/New.php"); !os.IsNotExist(err) {
		t.Errorf("mwdebug1002 changed without a pull: %v", err)
	}

	_, errs, code := cl.run(t, DeployHost, "scap pull")
	if code == 0 || !strings.Contains(errs, "has no /srv/mediawiki") {
		t.Errorf("scap pull on the deploy host: exit %d, stderr %q", code, errs)
	}
	if err := sb.SetFailing("mwdebug1002"); err != nil {
		t.Fatal(err)
	}
	_, errs, code = cl.run(t, "mwdebug1002", "scap pull")
	if code == 0 || !strings.Contains(errs, "rsync") {
		t.Errorf("failing pull: exit %d, stderr %q", code, errs)
	}
}
