package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// GerritHost is the ssh_config alias of the emulator's SSH port, as
// production's is gerrit.wikimedia.org port 29418: it answers
// `gerrit stream-events` and `gerrit version`, nothing else.
const GerritHost = "gerrit.sandbox"

// GerritWebBase is the web base of the sandbox's change links
// (https://gerrit.sandbox/r/c/PROJECT/+/N); pasting one resolves.
const GerritWebBase = "https://" + GerritHost + "/r/"

// gerritVersion is what `gerrit version` prints in the sandbox.
const gerritVersion = "gerrit version 3.10.6"

// EventStreams is how many `gerrit stream-events` sessions the Gerrit host
// serves now: a test waits for a client's to open before acting.
func (sb *Sandbox) EventStreams() int { return int(sb.streams.Load()) }

// gerritCommand runs one command on the Gerrit host, as Gerrit's SSH
// daemon does: `gerrit version`, and `gerrit stream-events [-s TYPE]...`
// (the emulator's events, one JSON object a line, until the client goes).
func (sb *Sandbox) gerritCommand(ctx context.Context, cmdline string, stdout, stderr io.Writer) int {
	args := strings.Fields(cmdline)
	if len(args) == 0 {
		fmt.Fprint(stderr, "fatal: no command given: this is Gerrit's SSH port; try: gerrit version\n")
		return 1
	}
	if args[0] != "gerrit" || len(args) < 2 {
		fmt.Fprintf(stderr, "fatal: %s: not found\n", args[0])
		return 127
	}
	switch args[1] {
	case "version":
		fmt.Fprintln(stdout, gerritVersion)
		return 0
	case "stream-events":
		types, err := subscribedTypes(args[2:])
		if err != nil {
			fmt.Fprintf(stderr, "fatal: %v\n", err)
			return 1
		}
		return sb.streamEvents(ctx, types, stdout, stderr)
	}
	fmt.Fprintf(stderr, "fatal: gerrit: %s: not found (the sandbox serves gerrit version and gerrit stream-events)\n", args[1])
	return 1
}

// subscribedTypes reads stream-events' options: -s/--subscribe TYPE, repeatable.
func subscribedTypes(args []string) (map[string]bool, error) {
	types := map[string]bool{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-s" || a == "--subscribe":
			if i+1 == len(args) {
				return nil, fmt.Errorf("option %q requires an operand", a)
			}
			i++
			types[args[i]] = true
		case strings.HasPrefix(a, "--subscribe="):
			types[strings.TrimPrefix(a, "--subscribe=")] = true
		default:
			return nil, fmt.Errorf("%q is not a valid option", a)
		}
	}
	return types, nil
}

// streamEvents copies the emulator's event lines (of types, or all when
// empty) to w until ctx ends, the client stops reading, or the emulator closes.
func (sb *Sandbox) streamEvents(ctx context.Context, types map[string]bool, w, stderr io.Writer) int {
	rc, err := sb.Gerrit.OpenStream(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "fatal: stream-events: %v\n", err)
		return 1
	}
	defer rc.Close()
	stop := context.AfterFunc(ctx, func() { rc.Close() })
	defer stop()
	sb.streams.Add(1)
	defer sb.streams.Add(-1)
	br := bufio.NewReaderSize(rc, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && wanted(line, types) {
			if _, werr := w.Write(line); werr != nil {
				return 0
			}
		}
		if err != nil {
			return 0
		}
	}
}

// wanted is true when types is empty or holds the line's event type.
func wanted(line []byte, types map[string]bool) bool {
	if len(types) == 0 {
		return true
	}
	var ev struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(line, &ev) == nil && types[ev.Type]
}
