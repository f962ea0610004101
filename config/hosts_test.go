package config

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"porthole/remote"
)

func TestHostsMapsRolesToConfiguredAliases(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Hosts[RoleDeploy] = []string{"deploy1002"}
	cfg.Hosts[RoleTestServers] = []string{"mwdebug1001", "mwdebug1002"}
	var dialled []string
	h := NewHosts(cfg, func(host string) (remote.Executor, error) {
		dialled = append(dialled, host)
		if host == "mwdebug1002" {
			return nil, errors.New("connection refused")
		}
		return &remote.Local{Name: host}, nil
	})
	ex, err := h.One(RoleDeploy)
	if err != nil || ex.Host() != "deploy1002" {
		t.Fatalf("One(deploy) = %v, %v", ex, err)
	}
	res, err := ex.Run(context.Background(), remote.Command{Cmd: "echo ok", Keep: true})
	if err != nil || string(res.Stdout) != "ok\n" {
		t.Fatalf("deploy executor ran: %q, %v", res.Stdout, err)
	}
	local, err := h.One(RoleLocal)
	if err != nil || local.Host() != "local" {
		t.Fatalf("One(local) = %v, %v", local, err)
	}
	if _, err := h.One(RoleTestServers); err == nil || !strings.Contains(err.Error(), "has 2 hosts (mwdebug1001, mwdebug1002)") {
		t.Fatalf("One on a 2-host role: %v", err)
	}
	if _, err := h.One(RoleMaintenance); err == nil || !strings.Contains(err.Error(), "no host configured for role maintenance") ||
		!strings.Contains(err.Error(), "hosts.maintenance") {
		t.Fatalf("One on an empty role: %v", err)
	}
	if _, err := h.All(RoleGerrit); err == nil {
		t.Fatal("the gerrit role has hosts")
	}
	if _, err := h.All(RoleTestServers); err == nil || !strings.Contains(err.Error(), "connecting to mwdebug1002 (role mwdebug): connection refused") {
		t.Fatalf("All with a failing host: %v", err)
	}
	if !reflect.DeepEqual(dialled, []string{"deploy1002", "mwdebug1001", "mwdebug1002"}) {
		t.Fatalf("dialled %v (a role with too many hosts must not be dialled)", dialled)
	}
	if n := h.Names(RoleTestServers); !reflect.DeepEqual(n, []string{"mwdebug1001", "mwdebug1002"}) {
		t.Fatalf("Names = %v", n)
	}
}
