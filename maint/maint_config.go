package maint

import (
	"strings"

	"porthole/runbooks"
)

// mwscript is the configured mwscript command (a trusted prefix from config).
func mwscript(env *runbooks.Env) string {
	if env != nil && env.Config != nil && strings.TrimSpace(env.Config.Commands.Mwscript) != "" {
		return strings.TrimSpace(env.Config.Commands.Mwscript)
	}
	return "mwscript"
}
