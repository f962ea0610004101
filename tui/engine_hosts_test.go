package tui

import (
	"strings"
	"testing"

	"porthole/remote"
	"porthole/runbooks"
)

func TestHostColumnSummarisesFanOuts(t *testing.T) {
	cfg := runbooks.DefaultConfig()
	cfg.Hosts = map[string][]string{
		runbooks.RoleDeploy:      {"deploy1002"},
		runbooks.RoleTestServers: {"mwdebug1001", "mwdebug1002"},
		runbooks.RoleAppServers:  {"mw1001", "mw1002", "mw1003", "mw1004", "mw1005"},
		runbooks.RoleMaintenance: {"mwmaint1002.eqiad.wmnet", "mwmaint2002.codfw.wmnet"},
		"mixed":                  {"deploy1002", "mwdebug1001", "snapshot1010"},
	}
	hosts := runbooks.NewHosts(cfg, func(h string) (remote.Executor, error) { return &remote.Local{Name: h}, nil })
	for role, want := range map[string]string{
		runbooks.RoleLocal:       "local",
		runbooks.RoleGerrit:      "gerrit",
		runbooks.RoleDeploy:      "deploy1002",
		runbooks.RoleTestServers: "mwdebug ×2",
		runbooks.RoleAppServers:  "5 app servers",
		runbooks.RoleMaintenance: "mwmaint ×2",
		"mixed":                  "3 mixed hosts",
		"unknown":                "unknown",
	} {
		if got := hostNames(hosts, role); got != want {
			t.Errorf("hostNames(%q) = %q, want %q", role, got, want)
		}
	}
}

func TestStepTitlesGetTheRoom(t *testing.T) {
	for _, w := range []int{80, 100, 140} {
		e := newTestEngine(t)
		d := newDriver(t, testOptions(e), w, 40)
		openWindow(t, d)
		d.key("esc") // hide the question: the list shows whole
		s := d.screen()
		for _, want := range []string{"7. After the sync: checks and maintenance the diff calls for", "4. Sync to the test servers (mwdebug)", "mwdebug ×2"} {
			if !strings.Contains(s, want) {
				t.Errorf("at %d columns the step list lacks %q:\n%s", w, want, s)
			}
		}
	}
}
