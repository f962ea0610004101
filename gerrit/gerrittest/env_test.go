package gerrittest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"porthole/gerrit/gerrittest"
)

const (
	branch = "wmf/1.44.0-wmf.5"
	pw     = "deployer-http-pw"
)

func newServer(t *testing.T, opts gerrittest.Options) *gerrittest.Server {
	t.Helper()
	if opts.RepoDir == "" {
		opts.RepoDir = t.TempDir()
	}
	if opts.BasePath == "" {
		opts.BasePath = "/r/"
	}
	s, err := gerrittest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddUser(gerrittest.User{Username: "deployer", Name: "Dee Ployer", Email: "deployer@example.org", HTTPPassword: pw, Groups: []string{gerrittest.ApproverGroup}})
	s.AddUser(gerrittest.User{Username: "jdoe", Name: "Jane Doe", Email: "jane@example.org", HTTPPassword: "jdoe-pw"})
	files := map[string]string{"README.md": "MediaWiki\n", "includes/Foo.php": "<?php\nclass Foo {\n}\n"}
	must(t, s.CreateProject("mediawiki/core", map[string]map[string]string{"master": files, branch: files}))
	return s
}

func newChange(t *testing.T, s *gerrittest.Server, spec gerrittest.ChangeSpec) int {
	t.Helper()
	if spec.Project == "" {
		spec.Project = "mediawiki/core"
	}
	if spec.Branch == "" {
		spec.Branch = branch
	}
	if spec.Owner == "" {
		spec.Owner = "jdoe"
	}
	if spec.Subject == "" {
		spec.Subject = "Fix the frobnicator"
	}
	if spec.Files == nil {
		spec.Files = map[string]string{"includes/Foo.php": "<?php\nclass Foo {\n\tpublic $x;\n}\n"}
	}
	n, err := s.CreateChange(spec)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// response is one raw HTTP exchange with the emulator.
type response struct {
	Status int
	Header http.Header
	Body   string
}

// call does a raw request; user "" is anonymous, else basic auth (with the
// user's known password, or pass when set).
func call(t *testing.T, s *gerrittest.Server, method, path, user, pass, body string, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	must(t, err)
	if user != "" {
		if pass == "" {
			pass = map[string]string{"deployer": pw, "jdoe": "jdoe-pw"}[user]
		}
		req.SetBasicAuth(user, pass)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return response{resp.StatusCode, resp.Header, string(b)}
}

// jsonBody strips the XSSI prefix (failing if it is missing) and decodes.
func jsonBody(t *testing.T, r response, v any) {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if !strings.HasPrefix(r.Body, ")]}'\n") {
		t.Fatalf("no XSSI prefix: %.60q", r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	d := json.NewDecoder(bytes.NewReader([]byte(r.Body[5:])))
	d.UseNumber()
	must(t, d.Decode(v))
}

// gitOut runs git in dir (a work tree or bare repo) and returns its output.
func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := gitCmd(dir, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// gitCmd is git in dir, isolated from the machine's configuration, as the
// deployer (unless later -c user.* arguments say otherwise).
func gitCmd(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", append([]string{"-c", "user.name=Dee Ployer", "-c", "user.email=deployer@example.org"}, args...)...)
	cmd.Dir = dir
	var env []string
	for _, kv := range cmd.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	return cmd
}
