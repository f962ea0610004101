package maint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/config"
	"porthole/runbooks"
)

const refreshBook = `name: refreshCollations
description: updateCollation by hand, as a YAML runbook
params:
  - name: wiki
    type: wikilist
    required: true
    help: the wikis
  - name: previous
    type: string
    required: true
    pattern: '[a-z][a-z0-9-]*'
  - name: verbose
    type: bool
    default: "false"
steps:
  - title: Dry run
    command: mwscript updateCollation.php --wiki={wiki} --previous-collation={previous} --dry-run {verbose?--verbose-stats}
    dry_run: true
    ok_exit_codes: [0, 1]
    success: 'rows would be updated|Collations up-to-date'
    on_failure: continue
  - id: update
    title: Update
    command: mwscript updateCollation.php --wiki={wiki} --previous-collation={previous}
    irreversible: true
    confirm: Update the collation of {wiki}?
    success: 'rows processed'
    failure: 'Exception|Fatal error'
    tmux: true
    undo: set the collation back and run it again
`

// userFixture is a maintenance fixture whose mwscript is on PATH as "mwscript".
func userFixture(t *testing.T) *maintFixture {
	f := newMaintFixture(t)
	t.Setenv("PATH", filepath.Dir(f.mw())+":"+os.Getenv("PATH"))
	return f
}

func TestUserRunbookRunsWithDryRunFirst(t *testing.T) {
	f := userFixture(t)
	rb, err := ParseUserRunbook("refresh.yaml", []byte(refreshBook))
	if err != nil {
		t.Fatal(err)
	}
	if err := RegisterUserRunbook(rb); err != nil {
		t.Fatal(err)
	}
	if UserRunbookFile("refreshCollations") != "refresh.yaml" || len(runbooks.Params("refreshCollations")) != 3 {
		t.Fatal("not registered")
	}
	r := runMaint(t, f.env, "refreshCollations", map[string]string{"wiki": "cywiki,enwiki", "previous": "uppercase"}, answerYes)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.notesText())
	}
	want := []string{
		"mwscript updateCollation.php --wiki=cywiki --previous-collation=uppercase --dry-run ",
		"mwscript updateCollation.php --wiki=enwiki --previous-collation=uppercase --dry-run ",
		"mwscript updateCollation.php --wiki=cywiki --previous-collation=uppercase",
		"mwscript updateCollation.php --wiki=enwiki --previous-collation=uppercase",
	}
	if strings.Join(r.cmds, "\n") != strings.Join(want, "\n") {
		t.Fatalf("commands:\n%s", strings.Join(r.cmds, "\n"))
	}
	if len(r.gates) != 1 || r.gates[0].Prompt != "Update the collation of cywiki,enwiki?" || r.gates[0].Default != "n" {
		t.Fatalf("gates %+v", r.gates)
	}
	if !strings.Contains(r.notesText(), "Update: 2 ok") || !strings.Contains(r.notesText(), "running in tmux session") {
		t.Fatalf("notes:\n%s", r.notesText())
	}
	if f.stateFile(t, "cywiki/collation") != "uca-default\n" || f.stateFile(t, "enwiki/collation") != "uca-default-u-kn\n" {
		t.Fatal("the collations were not updated")
	}
	// Starting at the irreversible step, past its dry run, is refused.
	plan, err := runbooks.Build(context.Background(), f.env, "refreshCollations", map[string]string{"wiki": "cywiki", "previous": "uca-default"})
	if err != nil {
		t.Fatal(err)
	}
	r = runPlan(t, f.env, plan, runbooks.RunOptions{StartAt: "update"}, answerYes)
	if r.err == nil || !strings.Contains(r.err.Error(), "the dry run (step dry-run) has not run in this window for cywiki") || len(r.cmds) != 0 {
		t.Fatalf("err %v cmds %q", r.err, r.cmds)
	}
}

func TestUserRunbookFailurePatternAndSkippedWiki(t *testing.T) {
	f := userFixture(t)
	f.writeState(t, "fail-wikis", "enwiki\n")
	rb, err := ParseUserRunbook("refresh.yaml", []byte(strings.Replace(refreshBook, "name: refreshCollations", "name: refreshCollations2", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := RegisterUserRunbook(rb); err != nil {
		t.Fatal(err)
	}
	r := runMaint(t, f.env, "refreshCollations2", map[string]string{"wiki": "cywiki,enwiki", "previous": "uppercase"}, answerYes)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.notesText())
	}
	notes := r.notesText()
	for _, n := range []string{
		"enwiki: FAILED: exit 1: ",
		"Dry run: 1 ok, 1 failed: enwiki",
		"enwiki: skipped: its dry run failed",
		"Update: 1 ok, 1 skipped (enwiki)",
	} {
		if !strings.Contains(notes, n) {
			t.Errorf("notes lack %q:\n%s", n, notes)
		}
	}
}

func TestUserRunbookErrors(t *testing.T) {
	cases := map[string]string{
		"name: x\nsteps: []\n":                                                                             "x.yaml:2: steps: a runbook needs a list of steps",
		"name: x\nsteps:\n  - title: a\n    comand: ls\n":                                                  "x.yaml:4: step 1: unknown key \"comand\"; did you mean command?",
		"name: 'bad name'\nsteps:\n  - {title: a, command: ls}\n":                                          "x.yaml:1: name \"bad name\"",
		"name: x\nsteps:\n  - title: a\n    command: ls\n    irreversible: true\n":                         "x.yaml:3: step \"a\" is irreversible but no earlier step has dry_run: true",
		"name: x\nparams:\n  - {name: w, type: wiki}\nsteps:\n  - title: a\n    command: echo \"{w}\"\n":   "x.yaml:5: step 1 (a): command: {w} is inside quotes",
		"name: x\nsteps:\n  - title: a\n    command: echo {nope}\n":                                        "x.yaml:3: step 1 (a): command: {nope} is not a declared parameter",
		"name: x\nparams:\n  - {name: w, type: wikis}\nsteps:\n  - {title: a, command: ls}\n":              "x.yaml:3: parameter w: unknown type \"wikis\"",
		"name: x\nparams:\n  - {name: n, type: int, default: many}\nsteps:\n  - {title: a, command: ls}\n": "parameter n: default \"many\"",
		"name: x\nsteps:\n  - title: a\n    command: ls\n    ok_exit_codes: 0\n":                           "x.yaml:5: ok_exit_codes must be a list",
		"name: x\nsteps:\n  - title: a\n    command: ls\n    success: '('\n":                               "success pattern",
		"name: x\nsteps:\n  - title: a\n    command: ls\n  - title: a\n    command: ls\n":                  "step id \"a\" is used twice",
		"name: x\nsteps:\n  - title: a\n    command: ls\n    on_failure: ignore\n":                         "on_failure is stop or continue",
		"name: x\nsteps:\n  - title: a\n    command: ls\n    tmux: sometimes\n":                            "x.yaml:5: tmux:",
		"name: x\nname: y\n": "x.yaml:2: runbook: name is given twice",
		"name: [x\n":         "x.yaml: ",
		"":                   "empty file",
		"name: x\nparams:\n  - {name: a, type: wikilist}\n  - {name: b, type: wikilist}\nsteps:\n  - {title: t, command: 'x {a} {b}'}\n": "uses two wiki lists",
		"name: x\nsteps:\n  - title: t\n    command: x\n    confirm: Go {where}?\n":                                                      "confirm: {where} is not a declared parameter",
	}
	for src, want := range cases {
		_, err := ParseUserRunbook("x.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q:\n got %v\nwant %q", src, err, want)
		}
	}
}

func TestLoadAndRegisterUserRunbooks(t *testing.T) {
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	dir := filepath.Join(cfgHome, "porthole", "runbooks")
	extra := t.TempDir()
	write := func(d, name, content string) {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(dir, "a.yaml", "name: showJobsBook\nsteps:\n  - {title: Show jobs, command: mwscript showJobs.php --wiki=enwiki}\n")
	write(dir, "b.yml", "name: namespaceDupes\nsteps:\n  - {title: Mine, command: ls}\n")
	write(dir, "c.yaml", "name: broken\nsteps:\n  - {title: x}\n")
	write(dir, "notes.txt", "not a runbook")
	write(extra, "d.yaml", "name: showJobsBook\nsteps:\n  - {title: Dup, command: ls}\n")
	cfg := config.DefaultConfig()
	cfg.Maintenance.RunbookDirs = []string{extra, filepath.Join(extra, "missing")}
	names, errs := RegisterUserRunbooks(cfg)
	if strings.Join(names, ",") != "showJobsBook" {
		t.Fatalf("names %v", names)
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"b.yml: runbook name namespaceDupes is taken by porthole's built-in runbook",
		"c.yaml:3: step 1 (x): it has no command",
		"d.yaml: runbook showJobsBook is already defined in " + filepath.Join(dir, "a.yaml"),
	} {
		if !strings.Contains(all, want) {
			t.Errorf("errors lack %q:\n%s", want, all)
		}
	}
	if len(errs) != 3 {
		t.Fatalf("errors:\n%s", all)
	}
}
