package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"porthole/internal/testreq"
	"porthole/sandbox"
)

func startPlanSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	testreq.Tmux(t) // a window runs scap detached in tmux
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

func capturePlan(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var buf bytes.Buffer
	old := planOut
	planOut = &buf
	defer func() { planOut = old }()
	err := runPlan(context.Background(), args)
	return buf.String(), err
}

func TestPlanTextAndJSONTouchNothing(t *testing.T) {
	sb := startPlanSandbox(t)
	core, ext, schema := sb.Changes["core"], sb.Changes["extension"], sb.Changes["schema"]
	head := func() string {
		b, err := sandboxGit(sb, "php-"+sb.Version, "rev-parse", "HEAD")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := head()

	out, err := capturePlan(t, "-config", sb.ConfigPath, strconv.Itoa(core), strconv.Itoa(ext))
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	php := "php-" + sb.Version
	for _, want := range []string{
		"Backport 2 changes",
		"nothing was approved, fetched or synced",
		"mediawiki/core  wmf/" + sb.Version,
		"https://phabricator.wikimedia.org/T",
		"SAL: Backport: [[gerrit:" + strconv.Itoa(core) + "|",
		"on deploy1002 (deploy) in " + sb.StagingDir() + "/" + php,
		"$ git fetch",
		"retries: 2 on a network error",
		"undo: git reset --hard ORIG_HEAD",
		"$ git submodule update extensions/Echo",
		"on mwdebug1001, mwdebug1002 (mwdebug)",
		"X-Wikimedia-Debug? ([y] Yes, verified: go on to production, [r] No, it does not work: roll back",
		"⚠ irreversible",
		"$ scap sync-file " + php + "/",
		"gate: Sync " + php,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan text lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}

	checkPlanJSON(t, sb, schema)

	// nothing was touched: no vote, no fetch, no rebase
	for _, n := range []int{core, ext, schema} {
		if st := sb.Gerrit.Change(n); st.Status != "NEW" {
			t.Errorf("change %d is %s after a plan", n, st.Status)
		}
	}
	if head() != before {
		t.Error("plan moved the staging checkout")
	}
}

// checkPlanJSON: plan --json of the schema change shows its danger warning
// and gates every irreversible sync.
func checkPlanJSON(t *testing.T, sb *sandbox.Sandbox, schema int) {
	js, err := capturePlan(t, "-json", "-config", sb.ConfigPath, strconv.Itoa(schema))
	var de dangerError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), fmt.Sprintf("schema (change %d)", schema)) {
		t.Fatalf("plan --json of a schema change: %v, want a danger error", err)
	}
	var v planView
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	if v.Kind != "backport" || len(v.Changes) != 1 || v.Changes[0].Number != schema || len(v.Steps) < 10 {
		t.Fatalf("plan json: %+v", v)
	}
	danger := false
	for _, w := range v.Warnings {
		danger = danger || (w.Level == "danger" && w.Code == "schema")
	}
	if !danger {
		t.Errorf("schema change without a danger warning: %+v", v.Warnings)
	}
	sync := 0
	for _, s := range v.Steps {
		if s.Irreversible {
			sync++
			if s.Gate == nil || s.Gate.Default != "n" || s.Gate.Kind != "confirm" || !strings.HasPrefix(s.Command, "scap sync-file ") || len(s.Hosts) != 1 {
				t.Errorf("irreversible step %+v", s)
			}
		}
	}
	if sync == 0 {
		t.Error("no irreversible sync step")
	}
}

// sandboxGit runs git in a directory of the sandbox's staging tree.
func sandboxGit(sb *sandbox.Sandbox, rel string, args ...string) (string, error) {
	out, err := exec.Command("git", append([]string{"-C", filepath.Join(sb.StagingDir(), rel)}, args...)...).Output()
	return strings.TrimSpace(string(out)), err
}

func TestPlanErrors(t *testing.T) {
	if _, err := capturePlan(t); !errors.As(err, new(usageError)) {
		t.Errorf("no change: %v", err)
	}
	out, err := capturePlan(t, "-h")
	if err != nil || !strings.Contains(out, "usage: porthole plan") {
		t.Errorf("-h: %v %q", err, out)
	}
	sb := startPlanSandbox(t)
	if _, err := capturePlan(t, "-config", sb.ConfigPath, "987654"); err == nil || !strings.Contains(err.Error(), "987654") || strings.Contains(err.Error(), "\n") {
		t.Errorf("missing change: %v", err)
	}
}
