package config

import (
	"fmt"
	"strings"
	"sync"

	"porthole/remote"
)

// HostNamer is implemented by Hosts that can name a role's hosts without
// connecting to them; the runner uses it to say where a gated step will run.
type HostNamer interface {
	Names(role string) []string
}

// ConfigHosts maps host roles to the ssh_config aliases in Config.Hosts and
// dials them on first use; RoleLocal is this machine.
type ConfigHosts struct {
	cfg  *Config
	dial func(host string) (remote.Executor, error)

	mu    sync.Mutex
	local remote.Executor
}

// NewHosts returns the Hosts for cfg: each role's aliases are dialled with
// dial (the SSH pool's Get, which reuses connections); RoleLocal runs here.
func NewHosts(cfg *Config, dial func(host string) (remote.Executor, error)) *ConfigHosts {
	return &ConfigHosts{cfg: cfg, dial: dial}
}

// Names lists the aliases configured for role ("local" for RoleLocal).
func (h *ConfigHosts) Names(role string) []string {
	if role == RoleLocal {
		return []string{"local"}
	}
	if h.cfg == nil {
		return nil
	}
	return append([]string(nil), h.cfg.Hosts[role]...)
}

// One returns the executor of the one host of role; it errors when the role
// has no host or more than one.
func (h *ConfigHosts) One(role string) (remote.Executor, error) {
	if role == RoleLocal {
		return h.localExec(), nil
	}
	names, err := h.names(role)
	if err != nil {
		return nil, err
	}
	if len(names) > 1 {
		return nil, fmt.Errorf("role %s has %d hosts (%s) but this step runs on exactly one: list one host under hosts.%s in the config",
			role, len(names), strings.Join(names, ", "), role)
	}
	return h.dialOne(role, names[0])
}

// All returns the executors of every host of role, in config order.
func (h *ConfigHosts) All(role string) ([]remote.Executor, error) {
	if role == RoleLocal {
		return []remote.Executor{h.localExec()}, nil
	}
	names, err := h.names(role)
	if err != nil {
		return nil, err
	}
	out := make([]remote.Executor, 0, len(names))
	for _, n := range names {
		ex, err := h.dialOne(role, n)
		if err != nil {
			return nil, err
		}
		out = append(out, ex)
	}
	return out, nil
}

func (h *ConfigHosts) names(role string) ([]string, error) {
	if role == RoleGerrit {
		return nil, fmt.Errorf("the %s role has no host: Gerrit steps use the REST client, not a command", role)
	}
	if role == "" {
		return nil, fmt.Errorf("step has no host role: this is a bug in the runbook")
	}
	names := h.Names(role)
	if len(names) == 0 {
		return nil, fmt.Errorf("no host configured for role %s: add it under hosts.%s in %s", role, role, DefaultConfigPath())
	}
	return names, nil
}

func (h *ConfigHosts) dialOne(role, name string) (remote.Executor, error) {
	if h.dial == nil {
		return nil, fmt.Errorf("cannot reach %s (role %s): porthole was started without SSH", name, role)
	}
	ex, err := h.dial(name)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s (role %s): %w", name, role, err)
	}
	return ex, nil
}

func (h *ConfigHosts) localExec() remote.Executor {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.local == nil {
		h.local = &remote.Local{}
	}
	return h.local
}
