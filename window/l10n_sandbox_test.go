package window_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"porthole/config"
	"porthole/runbooks"
	"porthole/runbooks/runbookstest"
)

// TestSandboxL10nChangeUsesTheFullSync backports the i18n scenario (a
// message typo in languages/i18n/en.json): the window must sync with the
// full sync that rebuilds the l10n cache, say so in the gate, and the fixed
// message must be in every app server's cache afterwards.
func TestSandboxL10nChangeUsesTheFullSync(t *testing.T) {
	t.Parallel() // a sandbox of its own
	sb, env := runbookstest.StartSandbox(t)
	n := sb.Changes["i18n"]
	p, err := runbooks.Build(context.Background(), env, "backport", map[string]string{"changes": strconv.Itoa(n)})
	if err != nil {
		t.Fatal(err)
	}
	run := runSandbox(t, env, p, runbooks.RunOptions{}, nil)
	if run.err != nil {
		t.Fatalf("window: %v", run.err)
	}
	var prod []runbooks.Gate
	for id, gs := range run.gates {
		if strings.HasPrefix(id, "sync-") && id != "sync-testservers" {
			prod = append(prod, gs...)
		}
	}
	if len(prod) != 1 || !strings.Contains(prod[0].Detail, "scap sync-world") || !strings.Contains(prod[0].Prompt+prod[0].Detail, "l10n") {
		t.Fatalf("production gates %+v: want one full sync that says it rebuilds l10n", prod)
	}
	cache := "php-" + sb.Version + "/cache/l10n/en.json"
	if len(sb.Config.Hosts[config.RoleAppServers]) == 0 {
		t.Fatal("no app servers")
	}
	for _, h := range sb.Config.Hosts[config.RoleAppServers] {
		got, err := sb.ReadAppServerFile(h, cache)
		if err != nil || !strings.Contains(string(got), "has not yet been patrolled") {
			t.Fatalf("%s: the fixed message is not in the l10n cache (%v)", h, err)
		}
	}
	if !run.r.Facts().Change(n).Synced {
		t.Error("the change is not recorded as synced")
	}
}
