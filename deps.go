//go:build tools

// Package porthole pins the libraries the layers use, so go.mod stays stable
// while they are being written. Remove an import once real code uses it.
package porthole

import (
	_ "charm.land/bubbles/v2/help"
	_ "charm.land/bubbletea/v2"
	_ "charm.land/lipgloss/v2"
	_ "github.com/adrg/xdg"
	_ "github.com/alecthomas/chroma/v2"
	_ "github.com/andygrunwald/go-gerrit"
	_ "github.com/bluekeyes/go-gitdiff/gitdiff"
	_ "github.com/charmbracelet/x/exp/golden"
	_ "github.com/charmbracelet/x/exp/teatest/v2"
	_ "github.com/go-git/go-git/v5"
	_ "github.com/kevinburke/ssh_config"
	_ "golang.org/x/crypto/ssh"
	_ "golang.org/x/crypto/ssh/agent"
	_ "golang.org/x/crypto/ssh/knownhosts"
	_ "gopkg.in/yaml.v3"
)
