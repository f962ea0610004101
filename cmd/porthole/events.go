package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"porthole/config"
	"porthole/gerrit"
	"porthole/remote"
)

// streamEventsCommand is what runs on gerrit.ssh_host (Gerrit's SSH port,
// 29418 in production): only the events a merge wait looks at, so a busy
// server's ref-updated flood stays on the server.
const streamEventsCommand = "gerrit stream-events" +
	" -s change-merged -s comment-added -s patchset-created -s change-abandoned"

// gerritEvents is the stream-events source for gerrit.ssh_host: each
// subscription runs streamEventsCommand over pool's connection to it (the
// ssh_config alias, its known_hosts entry, the user's Gerrit SSH key).
// It is nil without an ssh_host: the merge wait polls only. Nothing is
// dialled until a wait subscribes; a stream that cannot open or drops is
// logged, and the wait goes on polling.
func gerritEvents(cfg *config.Config, pool *remote.Pool) (gerrit.EventSource, error) {
	host := cfg.Gerrit.SSHHost
	if host == "" {
		return nil, nil
	}
	h, err := pool.SSH(host)
	if err != nil {
		return nil, fmt.Errorf("gerrit.ssh_host %s: %w (fix it, or remove gerrit.ssh_host to poll Gerrit only)", host, err)
	}
	return gerrit.NewStreamEvents(func(ctx context.Context) (io.ReadCloser, error) {
		rc, err := h.Stream(ctx, streamEventsCommand)
		if err != nil {
			if ctx.Err() == nil {
				slog.Warn("gerrit stream-events: cannot open; polling meanwhile", "host", host, "err", err)
			}
			return nil, err
		}
		slog.Info("gerrit stream-events: listening", "host", host, "addr", h.Addr())
		return rc, nil
	}), nil
}
