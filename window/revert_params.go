package window

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"porthole/gitops"
	"porthole/runbooks"
)

// buildRevertChecked checks the revert's parameters that reach git (the
// commits merged:N, from the command line or a journaled window) before
// BuildRevert: a value like --output=FILE must never become a git option.
func buildRevertChecked(ctx context.Context, env *runbooks.Env, params map[string]string) (*runbooks.Plan, error) {
	if err := checkRevertParams(params); err != nil {
		return nil, err
	}
	return BuildRevert(ctx, env, params)
}

func checkRevertParams(params map[string]string) error {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "merged:") {
			if err := gitops.CheckCommitID("revert: parameter "+k, params[k]); err != nil {
				return &runbooks.ParamError{Err: err}
			}
		}
	}
	for _, ref := range strings.Fields(params["changes"]) {
		if strings.HasPrefix(ref, "-") {
			return &runbooks.ParamError{Err: fmt.Errorf("revert: %q is not a change: name a number, a Gerrit URL or a Change-Id", ref)}
		}
	}
	return nil
}
