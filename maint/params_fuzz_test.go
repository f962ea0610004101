package maint

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"porthole/config"
	"porthole/remote"
	"porthole/runbooks"
)

// The property: whatever a parameter holds, the command line porthole builds,
// run by a real /bin/sh, gives the script exactly the intended argv (and
// stdin) — no extra command, no expansion, no word splitting.

// argvStub is an `mwscript` that prints its arguments NUL-separated, then "|",
// then its stdin when its first argument is purgeList.php.
const argvStub = `#!/bin/sh
for a; do printf '%s\0' "$a"; done
if [ "$1" = purgeList.php ]; then printf '|'; cat; fi
`

func stubEnv(t testing.TB) (*runbooks.Env, string) {
	dir := t.TempDir()
	stub := filepath.Join(dir, "mwscript")
	if err := os.WriteFile(stub, []byte(argvStub), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultConfig()
	cfg.Commands.Mwscript = stub
	return &runbooks.Env{Config: cfg}, dir
}

// runSh runs a command line with /bin/sh in dir and returns its stdout.
func runSh(t testing.TB, dir, cmd string) []byte {
	c := exec.Command("/bin/sh", "-c", cmd)
	c.Dir = dir
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		t.Fatalf("sh -c %q: %v (%s)", cmd, err, errb.String())
	}
	return out.Bytes()
}

func argvOf(words ...string) string {
	var b strings.Builder
	for _, w := range words {
		b.WriteString(w)
		b.WriteByte(0)
	}
	return b.String()
}

// checkNoSideEffects fails when a command created anything in dir besides the stub.
func checkNoSideEffects(t testing.TB, dir string) {
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("a parameter had a side effect: %v", names)
	}
}

var injectionSeeds = []string{
	"enwiki", "a;touch pwned", "$(touch pwned)", "`touch pwned`", "it's", `say "hi"`, "x\ny", "*", "?", "[a]",
	"~", "~root", "-rf", "--fix", "--wiki=x", `\`, `\'`, "$HOME", "${HOME}", "{wiki}", "%s", " lead", "trail ",
	"a  b", "\t", "|cat", "&& touch pwned", "> pwned", "<x", "#c", "!", "é", "'\"'\"'", "'", "",
}

// FuzzBuiltinCommandsArgv builds the built-ins' command lines from raw values
// (below validation, so the quoting alone is tested) and checks the argv.
func FuzzBuiltinCommandsArgv(f *testing.F) {
	for i, s := range injectionSeeds {
		f.Add(s, injectionSeeds[(i+7)%len(injectionSeeds)])
	}
	env, dir := stubEnv(f)
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.ContainsRune(a, 0) || strings.ContainsRune(b, 0) {
			t.Skip("a NUL byte cannot reach a process; validation refuses it")
		}
		m := maintValues{vals: map[string]string{"previous_collation": b, "extension": b, "tmux": "false"}, wikis: []string{a}}
		_, nd := namespaceDupesSteps(env, m)
		_, uc := updateCollationSteps(env, maintValues{vals: map[string]string{"previous_collation": b, "dry_run": "true"}, wikis: []string{a}})
		_, ce := createExtensionTablesSteps(env, m)
		cases := []struct {
			cmd  string
			want string
		}{
			{nd[0].Command, argvOf("namespaceDupes.php", a)},
			{nd[1].Command, argvOf("namespaceDupes.php", a, "--fix")},
			{uc[0].Command, argvOf("updateCollation.php", "--wiki="+a, "--previous-collation="+b, "--dry-run")},
			{uc[1].Command, argvOf("updateCollation.php", "--wiki="+a, "--previous-collation="+b)},
			{ce[0].Command, argvOf("extensions/WikimediaMaintenance/createExtensionTables.php", a, b)},
		}
		if !strings.ContainsAny(a+b, " \t\n\r\v\f,") && a != "" && b != "" {
			_, pl := purgeListSteps(env, maintValues{vals: map[string]string{"urls": a + " " + b, "wiki": a}})
			cases = append(cases, struct{ cmd, want string }{pl[0].Command, argvOf("purgeList.php", "--wiki="+a) + "|" + a + "\n" + b + "\n"})
		}
		for _, c := range cases {
			if got := string(runSh(t, dir, c.cmd)); got != c.want {
				t.Fatalf("command %q\ngave argv %q\nwant      %q", c.cmd, got, c.want)
			}
		}
		checkNoSideEffects(t, dir)
	})
}

// FuzzUserRunbookArgv goes through everything a YAML runbook's values go
// through: validation, then template expansion; either the value is refused
// or the argv is exact.
func FuzzUserRunbookArgv(f *testing.F) {
	for i, s := range injectionSeeds {
		f.Add(s, injectionSeeds[(i+3)%len(injectionSeeds)], "https://en.wikipedia.org/static/"+s, "true")
	}
	rb, err := ParseUserRunbook("fuzz.yaml", []byte(`
name: fuzzbook
params:
  - {name: text, type: string, required: true}
  - {name: opt, type: string}
  - {name: urls, type: urllist}
  - {name: flag, type: bool, default: "false"}
steps:
  - title: Run
    role: local
    command: mwscript x.php --text={text} {opt?--opt=} {flag?--flag} -- {text} {urls?}
`))
	if err != nil {
		f.Fatal(err)
	}
	env, dir := stubEnv(f)
	f.Fuzz(func(t *testing.T, text, opt, urls, flag string) {
		raw := map[string]string{"text": text, "opt": opt, "urls": urls, "flag": flag}
		for k, v := range raw {
			if v == "" {
				delete(raw, k)
			}
		}
		vals, err := runbooks.ValidateParams(rb.Name, rb.Params, raw)
		if err != nil {
			return // refused: fine
		}
		plan, err := rb.build(context.Background(), env, raw)
		if err != nil {
			t.Fatalf("validated values %q did not build: %v", vals, err)
		}
		want := []string{"x.php", "--text=" + vals["text"]}
		if vals["opt"] != "" {
			want = append(want, "--opt="+vals["opt"])
		}
		if vals["flag"] == "true" {
			want = append(want, "--flag")
		}
		want = append(want, "--", vals["text"])
		if vals["urls"] != "" {
			want = append(want, strings.Fields(vals["urls"])...)
		}
		cmd := strings.Replace(plan.Steps[0].Command, "mwscript", remote.Quote(env.Config.Commands.Mwscript), 1)
		if got := string(runSh(t, dir, cmd)); got != argvOf(want...) {
			t.Fatalf("values %q\ncommand %q\ngave argv %q\nwant      %q", vals, cmd, got, argvOf(want...))
		}
		checkNoSideEffects(t, dir)
	})
}
