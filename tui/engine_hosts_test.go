package tui

import (
	"strings"
	"testing"

	"porthole/config"
	"porthole/remote"
)

func TestHostColumnSummarisesFanOuts(t *testing.T) {
	cfg := config.DefaultConfig()
	cfg.Hosts = map[string][]string{
		config.RoleDeploy:      {"deploy1002"},
		config.RoleTestServers: {"mwdebug1001", "mwdebug1002"},
		config.RoleAppServers:  {"mw1001", "mw1002", "mw1003", "mw1004", "mw1005"},
		config.RoleMaintenance: {"mwmaint1002.eqiad.wmnet", "mwmaint2002.codfw.wmnet"},
		"mixed":                {"deploy1002", "mwdebug1001", "snapshot1010"},
	}
	hosts := config.NewHosts(cfg, func(h string) (remote.Executor, error) { return &remote.Local{Name: h}, nil })
	for role, want := range map[string]string{
		config.RoleLocal:       "local",
		config.RoleGerrit:      "gerrit",
		config.RoleDeploy:      "deploy1002",
		config.RoleTestServers: "mwdebug ×2",
		config.RoleAppServers:  "5 app servers",
		config.RoleMaintenance: "mwmaint ×2",
		"mixed":                "3 mixed hosts",
		"unknown":              "unknown",
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
