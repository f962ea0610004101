package gerrit_test

import (
	"testing"

	"porthole/gerrit"
	"porthole/gerrit/gerrittest"
)

const (
	coreBranch = "wmf/1.44.0-wmf.5"
	deployerPW = "s3cret-http-pw"
)

// env is an emulator with Wikimedia-shaped projects and users, and clients
// logged in as the deployer and anonymous.
type env struct {
	srv  *gerrittest.Server
	c    *gerrit.Client
	anon *gerrit.Client
}

func newEnv(t *testing.T, opts gerrittest.Options) *env {
	t.Helper()
	if opts.RepoDir == "" {
		opts.RepoDir = t.TempDir()
	}
	if opts.BasePath == "" {
		opts.BasePath = "/r/"
	}
	if opts.WebHost == "" {
		opts.WebHost = "gerrit.sandbox"
	}
	srv, err := gerrittest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddUser(gerrittest.User{Username: "deployer", Name: "Dee Ployer", Email: "deployer@example.org", HTTPPassword: deployerPW, Groups: []string{gerrittest.ApproverGroup}})
	srv.AddUser(gerrittest.User{Username: "jdoe", Name: "Jane Doe", Email: "jane@example.org"})
	srv.AddUser(gerrittest.User{Username: "carol", Name: "Carol Reviewer", Email: "carol@example.org"})
	files := map[string]string{"README.md": "MediaWiki\n", "includes/Foo.php": "<?php\nclass Foo {\n}\n", "includes/Old.php": "<?php\n// old\n"}
	must(t, srv.CreateProject("mediawiki/core", map[string]map[string]string{"master": files, coreBranch: files, "wmf/1.44.0-wmf.6": files}))
	must(t, srv.CreateProject("mediawiki/extensions/Echo", map[string]map[string]string{"master": {"extension.json": "{}\n"}, coreBranch: {"extension.json": "{}\n"}}))
	must(t, srv.CreateProject("operations/mediawiki-config", map[string]map[string]string{"master": {"wmf-config/InitialiseSettings.php": "<?php\n$wgFoo = false;\n"}}))
	web := "https://gerrit.sandbox/r/"
	c, err := gerrit.New(srv.URL(), gerrit.Options{User: "deployer", Password: deployerPW, WebURL: web})
	if err != nil {
		t.Fatal(err)
	}
	anon, err := gerrit.New(srv.URL(), gerrit.Options{WebURL: web})
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, c: c, anon: anon}
}

// change creates a change on core's wmf branch, owned by jdoe.
func (e *env) change(t *testing.T, spec gerrittest.ChangeSpec) int {
	t.Helper()
	if spec.Project == "" {
		spec.Project = "mediawiki/core"
	}
	if spec.Branch == "" {
		spec.Branch = coreBranch
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
	n, err := e.srv.CreateChange(spec)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
