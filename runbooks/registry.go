package runbooks

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// Builder makes a Plan from its inputs; the same inputs must give the same
// steps, so that a journaled window can be rebuilt and resumed.
type Builder func(ctx context.Context, env *Env, params map[string]string) (*Plan, error)

var (
	regMu    sync.Mutex
	builders = map[string]Builder{}
)

// Register makes a runbook kind buildable by name (backport, revert, namespaceDupes, …).
func Register(kind string, b Builder) {
	regMu.Lock()
	defer regMu.Unlock()
	builders[kind] = b
}

// Build builds a plan of the given kind.
func Build(ctx context.Context, env *Env, kind string, params map[string]string) (*Plan, error) {
	regMu.Lock()
	b, ok := builders[kind]
	regMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no runbook named %q (known: %v)", kind, Kinds())
	}
	p, err := b(ctx, env, params)
	if err != nil {
		return nil, err
	}
	if p.Kind == "" {
		p.Kind = kind
	}
	if p.Params == nil {
		p.Params = params
	}
	return p, nil
}

// Kinds lists the registered runbooks.
func Kinds() []string {
	regMu.Lock()
	defer regMu.Unlock()
	var ks []string
	for k := range builders {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
