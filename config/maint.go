package config

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/adrg/xdg"
)

// MaintConfig configures the maintenance-script runbooks; every field has a
// production default, so the whole section may be left out.
type MaintConfig struct {
	// DblistDir is where the dblists live on the DblistRole host;
	// <staging_dir>/dblists when empty.
	DblistDir string `yaml:"dblist_dir"`
	// DblistRole is the host role that reads the dblists; deploy when empty.
	DblistRole string `yaml:"dblist_role"`
	// RunbookDirs are extra directories of YAML runbooks, read after
	// $XDG_CONFIG_HOME/porthole/runbooks.
	RunbookDirs []string `yaml:"runbook_dirs"`
	// TranscriptDir is where remote tmux runs keep their transcripts, on the
	// maintenance host; relative to the login directory;
	// porthole-transcripts when empty.
	TranscriptDir string `yaml:"transcript_dir"`
	// TmuxSocket, when set, runs sessions on a separate tmux server
	// (tmux -L NAME); the default server otherwise, so `tmux ls` shows them.
	TmuxSocket string `yaml:"tmux_socket"`
	// PollInterval is how often a tmux run's transcript is read; 1s when zero.
	PollInterval time.Duration `yaml:"poll_interval"`
	// ReconnectFor is how long porthole keeps trying to reach the host again
	// after the connection to a tmux run is lost; 10m when zero.
	ReconnectFor time.Duration `yaml:"reconnect_for"`
}

// EffectiveDblistDir is DblistDir, or <staging_dir>/dblists.
func (m MaintConfig) EffectiveDblistDir(cfg *Config) string {
	if m.DblistDir != "" {
		return m.DblistDir
	}
	staging := "/srv/mediawiki-staging"
	if cfg != nil && cfg.StagingDir != "" {
		staging = cfg.StagingDir
	}
	return path.Join(staging, "dblists")
}

// EffectiveDblistRole is DblistRole, or the deploy role.
func (m MaintConfig) EffectiveDblistRole() string {
	if m.DblistRole != "" {
		return m.DblistRole
	}
	return RoleDeploy
}

// EffectiveTranscriptDir is TranscriptDir, or porthole-transcripts.
func (m MaintConfig) EffectiveTranscriptDir() string {
	if m.TranscriptDir != "" {
		return m.TranscriptDir
	}
	return "porthole-transcripts"
}

// EffectivePollInterval is PollInterval, or 1s.
func (m MaintConfig) EffectivePollInterval() time.Duration {
	if m.PollInterval > 0 {
		return m.PollInterval
	}
	return time.Second
}

// EffectiveReconnectFor is ReconnectFor, or 10m.
func (m MaintConfig) EffectiveReconnectFor() time.Duration {
	if m.ReconnectFor > 0 {
		return m.ReconnectFor
	}
	return 10 * time.Minute
}

// UserRunbookDirs lists the directories YAML runbooks are read from:
// $XDG_CONFIG_HOME/porthole/runbooks, then the config's runbook_dirs.
func UserRunbookDirs(cfg *Config) []string {
	base := xdg.ConfigHome
	if v := strings.TrimSpace(os.Getenv("XDG_CONFIG_HOME")); v != "" {
		base = v
	}
	dirs := []string{filepath.Join(base, "porthole", "runbooks")}
	if cfg != nil {
		dirs = append(dirs, cfg.Maintenance.RunbookDirs...)
	}
	return dirs
}
