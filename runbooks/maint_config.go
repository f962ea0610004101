package runbooks

import (
	"porthole/config"
	"strings"
)

// mwscript is the configured mwscript command (a trusted prefix from config).
func mwscript(env *Env) string {
	if env != nil && env.Config != nil && strings.TrimSpace(env.Config.Commands.Mwscript) != "" {
		return strings.TrimSpace(env.Config.Commands.Mwscript)
	}
	return "mwscript"
}

func maintConfig(env *Env) config.MaintConfig {
	if env != nil && env.Config != nil {
		return env.Config.Maintenance
	}
	return config.MaintConfig{}
}

func envConfig(env *Env) *config.Config {
	if env != nil {
		return env.Config
	}
	return nil
}
