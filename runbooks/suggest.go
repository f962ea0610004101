package runbooks

import (
	"sync"

	"porthole/gerrit"
)

var (
	sugMu      sync.Mutex
	suggesters []func(patch []byte, changes []*gerrit.Change) []Suggestion
)

// RegisterSuggester adds a detector that reads a deployed diff (`git log -p` text).
func RegisterSuggester(f func(patch []byte, changes []*gerrit.Change) []Suggestion) {
	sugMu.Lock()
	defer sugMu.Unlock()
	suggesters = append(suggesters, f)
}

// Suggest asks every registered detector what the diff calls for.
func Suggest(patch []byte, changes []*gerrit.Change) []Suggestion {
	sugMu.Lock()
	fs := append([]func([]byte, []*gerrit.Change) []Suggestion(nil), suggesters...)
	sugMu.Unlock()
	var out []Suggestion
	for _, f := range fs {
		out = append(out, f(patch, changes)...)
	}
	return out
}
