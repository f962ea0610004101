package maint

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"porthole/config"
	"porthole/internal/lazyre"
	"porthole/runbooks"
)

// LoadUserRunbooks reads every *.yaml and *.yml file of dirs (missing dirs
// are fine). It returns the runbooks that are valid and one error per file
// that is not.
func LoadUserRunbooks(dirs []string) ([]*UserRunbook, []error) {
	var out []*UserRunbook
	var errs []error
	names := map[string]string{}
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reading runbooks in %s: %w", dir, err))
			continue
		}
		var files []string
		for _, e := range ents {
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			rb, err := ParseUserRunbook(f, data)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if prev, ok := names[rb.Name]; ok {
				errs = append(errs, fmt.Errorf("%s: runbook %s is already defined in %s: rename one", f, rb.Name, prev))
				continue
			}
			names[rb.Name] = f
			out = append(out, rb)
		}
	}
	return out, errs
}

var (
	userMu    sync.Mutex
	userKinds = map[string]string{} // registered user runbook → its file
)

// RegisterUserRunbooks loads the YAML runbooks from config.UserRunbookDirs(cfg) and
// registers each as a runbook kind. A runbook may not take a built-in's name.
// It returns the names registered and the problems found (files skipped).
func RegisterUserRunbooks(cfg *config.Config) ([]string, []error) {
	rbs, errs := LoadUserRunbooks(config.UserRunbookDirs(cfg))
	var names []string
	for _, rb := range rbs {
		if err := RegisterUserRunbook(rb); err != nil {
			errs = append(errs, err)
			continue
		}
		names = append(names, rb.Name)
	}
	return names, errs
}

// RegisterUserRunbook registers one YAML runbook as a runbook kind.
func RegisterUserRunbook(rb *UserRunbook) error {
	userMu.Lock()
	defer userMu.Unlock()
	if _, mine := userKinds[rb.Name]; !mine && slices.Contains(runbooks.Kinds(), rb.Name) {
		return fmt.Errorf("%s: runbook name %s is taken by porthole's built-in runbook: rename it", rb.File, rb.Name)
	}
	userKinds[rb.Name] = rb.File
	runbooks.RegisterParams(rb.Name, rb.Params)
	runbooks.Register(rb.Name, rb.build)
	return nil
}

// UserRunbookFile is the YAML file a registered kind came from ("" for built-ins).
func UserRunbookFile(kind string) string {
	userMu.Lock()
	defer userMu.Unlock()
	return userKinds[kind]
}

// build makes the plan: validate, check wikis on the host, expand each
// step's command (once per wiki for a wikilist), all values quoted.
func (rb *UserRunbook) build(ctx context.Context, env *runbooks.Env, raw map[string]string) (*runbooks.Plan, error) {
	vals, err := runbooks.ValidateParams(rb.Name, rb.Params, raw)
	if err != nil {
		return nil, err
	}
	exp := make(map[string]string, len(vals))
	for k, v := range vals {
		exp[k] = v
	}
	if err := checkWikis(ctx, env, rb.Name, rb.Params, exp); err != nil {
		return nil, err
	}
	plan := &runbooks.Plan{Kind: rb.Name, Title: rb.title(vals), Params: vals}
	for i, us := range rb.Steps {
		runs, err := us.runs(rb, exp)
		if err != nil {
			return nil, fmt.Errorf("%s: step %q: %w", rb.Name, us.ID, err)
		}
		ls := loopSpec{
			Name: us.Title, Role: us.Role, Tmux: us.Tmux, StopOnFailure: us.OnFailure != "continue",
			Tolerate:  us.DryRun && us.OnFailure == "continue",
			Interpret: patternInterpreter(us.OKExitCodes, us.success, us.failure),
		}
		if us.Irreversible {
			ls.RequireDry = dryBefore(rb.Steps[:i]).ID
		}
		s := loopStep(us.ID, us.Title, runs, ls)
		s.DryRun = us.DryRun
		s.Irreversible = us.Irreversible
		s.Undo = us.Undo
		if us.Confirm != "" || us.Irreversible {
			prompt := us.Confirm
			if prompt == "" {
				prompt = us.Title + "?"
			}
			prompt = expandText(prompt, vals)
			def := "y"
			if us.Irreversible {
				def = "n"
			}
			s.Gate = &runbooks.Gate{Kind: runbooks.GateConfirm, Prompt: prompt, Default: def}
		}
		plan.Steps = append(plan.Steps, s)
	}
	return plan, nil
}

// runs expands the step's command for the validated values: once per wiki
// when it uses a wikilist, once ("all") otherwise.
func (us UserStep) runs(rb *UserRunbook, vals map[string]string) ([]maintRun, error) {
	if us.loopParam == "" {
		cmd, err := expandTemplate(us.Command, rb.Params, vals)
		if err != nil {
			return nil, err
		}
		return []maintRun{{Key: "all", Cmd: cmd}}, nil
	}
	var runs []maintRun
	one := make(map[string]string, len(vals))
	for k, v := range vals {
		one[k] = v
	}
	for _, w := range strings.Split(vals[us.loopParam], ",") {
		one[us.loopParam] = w
		cmd, err := expandTemplate(us.Command, rb.Params, one)
		if err != nil {
			return nil, err
		}
		runs = append(runs, maintRun{Key: w, Cmd: cmd})
	}
	return runs, nil
}

// title is "name" plus its parameters: "refreshLinks wiki=enwiki namespace=0".
func (rb *UserRunbook) title(vals map[string]string) string {
	parts := []string{rb.Name}
	for _, p := range rb.Params {
		if v := vals[p.Name]; v != "" {
			parts = append(parts, p.Name+"="+clip(v, 60))
		}
	}
	return strings.Join(parts, " ")
}

// textRefRe finds {name} in display text (confirm prompts).
var textRefRe = lazyre.New(`\{([a-z][a-z0-9_]*)\}`)

// expandText substitutes values into display text (not a command: no quoting).
func expandText(s string, vals map[string]string) string {
	return textRefRe.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vals[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

func declared(specs []runbooks.ParamSpec, name string) bool {
	for _, s := range specs {
		if s.Name == name {
			return true
		}
	}
	return false
}
