package journal

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"porthole/config"
)

func TestRedactorBlanksKnownSecretsAndCredentialShapes(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("Zq8-gerrit-http-pw\n"), 0o600)
	cfg := config.DefaultConfig()
	cfg.Gerrit.User, cfg.Gerrit.PasswordFile = "alice", pw
	t.Setenv("PHAB_API_TOKEN", "api-xyzzy-42")
	t.Setenv("MY_SECRET", "shh-its-secret")
	t.Setenv("SHORT_TOKEN", "abc") // too short to blank everywhere
	r := NewRedactor(cfg)
	for _, tc := range []struct{ in, want string }{
		{"curl -u alice:Zq8-gerrit-http-pw https://x", "curl -u alice:" + Redacted + " https://x"},
		{"token api-xyzzy-42 and shh-its-secret", "token " + Redacted + " and " + Redacted},
		{"git clone https://alice:pa55word@gerrit.example/r/core", "git clone https://alice:" + Redacted + "@gerrit.example/r/core"},
		{"Authorization: Basic YWxpY2U6cGFzcw==", "Authorization: Basic " + Redacted},
		{"> authorization: Bearer eyJhbGciOi", "> authorization: Bearer " + Redacted},
		{"machine gerrit.example login alice password pw123456", "machine gerrit.example login alice password " + Redacted},
		{"  password pw123456", "  password " + Redacted},
		{"GET /a/changes/?access_token=abcdef&q=1", "GET /a/changes/?access_token=" + Redacted + "&q=1"},
		{"export GERRIT_PASSWORD='x y z'", "export GERRIT_PASSWORD=" + Redacted},
		{"Password: hunter2", "Password: " + Redacted},
		{"abc is not blanked", "abc is not blanked"},
		{"the password file is missing", "the password file is missing"},
		{"git fetch origin wmf/1.44.0-wmf.5", "git fetch origin wmf/1.44.0-wmf.5"},
		{"https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345", "https://gerrit.wikimedia.org/r/c/mediawiki/core/+/12345"},
	} {
		if got := r.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) =\n  %q\nwant\n  %q", tc.in, got, tc.want)
		}
		if got := r.Redact(r.Redact(tc.in)); got != tc.want {
			t.Errorf("Redact is not idempotent on %q: %q", tc.in, got)
		}
	}
	var nilR *Redactor
	if got := nilR.Redact("https://a:b1234@h/"); strings.Contains(got, "b1234") {
		t.Errorf("a nil Redactor skipped the patterns: %q", got)
	}
}

func TestOpenLogRedactsAndStaysOffTheTerminal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	r := NewRedactor(nil)
	r.Add("gerrit-pw-123")
	log, c, err := OpenLog(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("pushing to https://alice:gerrit-pw-123@gerrit.example/r/core", "auth", "Authorization: Basic Zm9vOmJhcg==",
		"err", errors.New("401 with gerrit-pw-123"), slog.Group("req", "url", "https://u:pw99999@h/"))
	log.With("token", "gerrit-pw-123").WithGroup("g").Warn("x", "n", 3)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, LogFile))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, secret := range []string{"gerrit-pw-123", "Zm9vOmJhcg", "pw99999"} {
		if strings.Contains(s, secret) {
			t.Errorf("log holds %q:\n%s", secret, s)
		}
	}
	if !strings.Contains(s, "pushing to https://alice:"+Redacted+"@gerrit.example") || !strings.Contains(s, "g.n=3") {
		t.Errorf("log lost its content:\n%s", s)
	}
	if st, _ := os.Stat(filepath.Join(dir, LogFile)); st.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v", st.Mode().Perm())
	}
}
