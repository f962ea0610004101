package maint

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"porthole/config"
	"porthole/internal/lazyre"
	"porthole/remote"
	"porthole/runbooks"
)

// User runbooks are YAML files under $XDG_CONFIG_HOME/porthole/runbooks (and
// the config's maintenance.runbook_dirs), each registered as a runbook kind:
//
//	name: refreshLinks
//	description: Refresh the links tables of a namespace
//	params:
//	  - {name: wiki, type: wikilist, required: true, help: wikis to refresh}
//	  - {name: namespace, type: int, default: "0"}
//	steps:
//	  - title: Dry run
//	    command: mwscript refreshLinks.php --wiki={wiki} --namespace={namespace} --dry-run
//	    dry_run: true
//	    ok_exit_codes: [0, 1]        # dry runs of update scripts may exit 1
//	    success: 'would be updated'  # a regexp its output must match
//	  - title: Refresh
//	    command: mwscript refreshLinks.php --wiki={wiki} --namespace={namespace}
//	    irreversible: true           # needs an earlier dry_run step, and a yes
//	    confirm: Refresh links on {wiki}?
//	    failure: 'Exception|Error'   # a regexp that makes the run a failure
//	    tmux: true                   # run in tmux on the host
//
// A step whose command uses a wikilist parameter runs once per wiki. Every
// value reaches the command validated and shell-quoted (see params_template.go).

// UserRunbook is a runbook read from a YAML file.
type UserRunbook struct {
	Name        string
	Description string
	File        string
	Params      []runbooks.ParamSpec
	Steps       []UserStep
}

// UserStep is one step of a YAML runbook.
type UserStep struct {
	ID           string
	Title        string
	Role         string
	Command      string
	DryRun       bool
	Irreversible bool
	Confirm      string
	Success      string
	Failure      string
	OKExitCodes  []int
	OnFailure    string // stop (default) or continue, over a wiki list
	Tmux         bool
	Undo         string
	Line         int

	success, failure *regexp.Regexp
	loopParam        string // the wikilist parameter the command iterates over
}

var (
	runbookNameRe = lazyre.New(`^[A-Za-z][A-Za-z0-9_-]*$`)
	stepIDRe      = lazyre.New(`^[a-z0-9][a-z0-9_-]*$`)
	roleRe        = lazyre.New(`^[a-z][a-z0-9_-]*$`)
)

// bookError is a problem in a runbook file, with its line.
func bookError(file string, line int, format string, args ...any) error {
	if line > 0 {
		return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("%s: %s", file, fmt.Sprintf(format, args...))
}

// mapping walks a YAML mapping node's keys, refusing unknown and repeated
// ones (with "did you mean" for typos).
func mapping(file string, n *yaml.Node, what string, known []string, f func(key string, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return bookError(file, n.Line, "%s must be a mapping (key: value lines)", what)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			return bookError(file, k.Line, "%s: %s is given twice", what, k.Value)
		}
		seen[k.Value] = true
		if !slices.Contains(known, k.Value) {
			return bookError(file, k.Line, "%s: unknown key %q%s (known: %s)", what, k.Value, didYouMean(k.Value, known), strings.Join(known, ", "))
		}
		if err := f(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

func scalar[T any](file string, v *yaml.Node, what string, out *T) error {
	if v.Kind != yaml.ScalarNode {
		return bookError(file, v.Line, "%s must be a single value", what)
	}
	if err := v.Decode(out); err != nil {
		return bookError(file, v.Line, "%s: %v", what, cleanYAMLErr(err))
	}
	return nil
}

func cleanYAMLErr(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: ")
	if i := strings.Index(s, "unmarshal errors:\n"); i >= 0 {
		s = strings.TrimSpace(s[i+len("unmarshal errors:\n"):])
	}
	return s
}

// ParseUserRunbook reads and checks one YAML runbook.
func ParseUserRunbook(file string, data []byte) (*UserRunbook, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", file, cleanYAMLErr(err))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, bookError(file, 0, "empty file: a runbook needs name, params and steps")
	}
	rb := &UserRunbook{File: file}
	var stepsNode *yaml.Node
	root := doc.Content[0]
	err := mapping(file, root, "runbook", []string{"name", "description", "params", "steps"}, func(k string, v *yaml.Node) error {
		switch k {
		case "name":
			return scalar(file, v, "name", &rb.Name)
		case "description":
			return scalar(file, v, "description", &rb.Description)
		case "params":
			return parseParams(file, v, rb)
		case "steps":
			stepsNode = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !runbookNameRe.MatchString(rb.Name) {
		return nil, bookError(file, root.Line, "name %q: give the runbook a name of letters, digits, _ and - (it is how `porthole run NAME` finds it)", rb.Name)
	}
	if err := runbooks.ValidateSpecs(rb.Params); err != nil {
		return nil, bookError(file, 0, "%v", err)
	}
	if stepsNode == nil || stepsNode.Kind != yaml.SequenceNode || len(stepsNode.Content) == 0 {
		line := root.Line
		if stepsNode != nil {
			line = stepsNode.Line
		}
		return nil, bookError(file, line, "steps: a runbook needs a list of steps")
	}
	ids := map[string]bool{}
	for i, sn := range stepsNode.Content {
		st, err := parseStep(file, sn, i, rb.Params)
		if err != nil {
			return nil, err
		}
		if ids[st.ID] {
			return nil, bookError(file, sn.Line, "step id %q is used twice", st.ID)
		}
		ids[st.ID] = true
		rb.Steps = append(rb.Steps, st)
	}
	// The dry-run-first rule.
	for i, st := range rb.Steps {
		if !st.Irreversible {
			continue
		}
		if st.DryRun {
			return nil, bookError(file, st.Line, "step %q is marked both dry_run and irreversible: a dry run changes nothing", st.ID)
		}
		if dryBefore(rb.Steps[:i]) == nil {
			return nil, bookError(file, st.Line, "step %q is irreversible but no earlier step has dry_run: true: add a dry run before it (porthole runs a dry run first, then asks)", st.ID)
		}
	}
	return rb, nil
}

// dryBefore is the last dry-run step of steps, or nil.
func dryBefore(steps []UserStep) *UserStep {
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].DryRun {
			return &steps[i]
		}
	}
	return nil
}

func parseParams(file string, v *yaml.Node, rb *UserRunbook) error {
	if v.Kind != yaml.SequenceNode {
		return bookError(file, v.Line, "params must be a list")
	}
	for _, pn := range v.Content {
		var p runbooks.ParamSpec
		err := mapping(file, pn, "parameter", []string{"name", "type", "required", "default", "allowed", "pattern", "help"}, func(k string, v *yaml.Node) error {
			switch k {
			case "name":
				return scalar(file, v, "parameter name", &p.Name)
			case "type":
				var t string
				err := scalar(file, v, "parameter type", &t)
				p.Type = runbooks.ParamType(t)
				return err
			case "required":
				return scalar(file, v, "required", &p.Required)
			case "default":
				return scalar(file, v, "default", &p.Default)
			case "pattern":
				return scalar(file, v, "pattern", &p.Pattern)
			case "help":
				return scalar(file, v, "help", &p.Help)
			case "allowed":
				if v.Kind != yaml.SequenceNode {
					return bookError(file, v.Line, "allowed must be a list of values")
				}
				if err := v.Decode(&p.Allowed); err != nil {
					return bookError(file, v.Line, "allowed: %s", cleanYAMLErr(err))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if p.Type == "" {
			p.Type = runbooks.ParamString
		}
		if err := runbooks.ValidateSpecs([]runbooks.ParamSpec{p}); err != nil {
			return bookError(file, pn.Line, "%v", err)
		}
		for _, q := range rb.Params {
			if q.Name == p.Name {
				return bookError(file, pn.Line, "parameter %q is declared twice", p.Name)
			}
		}
		rb.Params = append(rb.Params, p)
	}
	return nil
}

func parseStep(file string, sn *yaml.Node, i int, specs []runbooks.ParamSpec) (UserStep, error) {
	st := UserStep{Line: sn.Line, Role: config.RoleMaintenance, OnFailure: "stop"}
	var okCodes []int
	err := mapping(file, sn, fmt.Sprintf("step %d", i+1), []string{"id", "title", "role", "command", "dry_run", "irreversible",
		"confirm", "success", "failure", "ok_exit_codes", "on_failure", "tmux", "undo"}, func(k string, v *yaml.Node) error {
		switch k {
		case "id":
			return scalar(file, v, "id", &st.ID)
		case "title":
			return scalar(file, v, "title", &st.Title)
		case "role":
			return scalar(file, v, "role", &st.Role)
		case "command":
			return scalar(file, v, "command", &st.Command)
		case "dry_run":
			return scalar(file, v, "dry_run", &st.DryRun)
		case "irreversible":
			return scalar(file, v, "irreversible", &st.Irreversible)
		case "confirm":
			return scalar(file, v, "confirm", &st.Confirm)
		case "success":
			return scalar(file, v, "success", &st.Success)
		case "failure":
			return scalar(file, v, "failure", &st.Failure)
		case "on_failure":
			return scalar(file, v, "on_failure", &st.OnFailure)
		case "tmux":
			return scalar(file, v, "tmux", &st.Tmux)
		case "undo":
			return scalar(file, v, "undo", &st.Undo)
		case "ok_exit_codes":
			if v.Kind != yaml.SequenceNode {
				return bookError(file, v.Line, "ok_exit_codes must be a list of numbers, like [0, 1]")
			}
			if err := v.Decode(&okCodes); err != nil {
				return bookError(file, v.Line, "ok_exit_codes: %s", cleanYAMLErr(err))
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	return st, st.check(file, sn.Line, i, okCodes, specs)
}

// check validates a step read from YAML, in file at line, and completes it:
// its id, its wiki-list parameter, its patterns and exit codes.
func (st *UserStep) check(file string, line, i int, okCodes []int, specs []runbooks.ParamSpec) error {
	where := fmt.Sprintf("step %d", i+1)
	if st.Title != "" {
		where += " (" + st.Title + ")"
	}
	if st.Title == "" {
		return bookError(file, line, "%s: give it a title", where)
	}
	if st.ID == "" {
		st.ID = strings.Trim(remote.UnsafeNameChars.ReplaceAllString(strings.ToLower(st.Title), "-"), "-")
		if st.ID == "" || !stepIDRe.MatchString(st.ID) {
			st.ID = "step-" + strconv.Itoa(i+1)
		}
	} else if !stepIDRe.MatchString(st.ID) {
		return bookError(file, line, "%s: id %q: use lower case letters, digits, - and _", where, st.ID)
	}
	if !roleRe.MatchString(st.Role) {
		return bookError(file, line, "%s: role %q is not a host role (like maintenance or deploy)", where, st.Role)
	}
	if strings.TrimSpace(st.Command) == "" {
		return bookError(file, line, "%s: it has no command", where)
	}
	if err := st.checkRefs(file, line, where, specs); err != nil {
		return err
	}
	var err error
	if st.Success != "" {
		if st.success, err = regexp.Compile(st.Success); err != nil {
			return bookError(file, line, "%s: success pattern: %v", where, err)
		}
	}
	if st.Failure != "" {
		if st.failure, err = regexp.Compile(st.Failure); err != nil {
			return bookError(file, line, "%s: failure pattern: %v", where, err)
		}
	}
	if okCodes == nil {
		okCodes = []int{0}
	}
	for _, c := range okCodes {
		if c < 0 || c > 255 {
			return bookError(file, line, "%s: ok_exit_codes: %d is not an exit code (0-255)", where, c)
		}
	}
	st.OKExitCodes = okCodes
	if st.OnFailure != "stop" && st.OnFailure != "continue" {
		return bookError(file, line, "%s: on_failure is stop or continue, not %q", where, st.OnFailure)
	}
	return nil
}

// checkRefs checks the parameters the step's command and confirm text name,
// and finds the wiki list its command runs over (one at most).
func (st *UserStep) checkRefs(file string, line int, where string, specs []runbooks.ParamSpec) error {
	refs, err := templateRefs(st.Command, specs)
	if err != nil {
		return bookError(file, line, "%s: command: %v", where, err)
	}
	for _, r := range refs {
		for _, p := range specs {
			if p.Name == r && p.Type == runbooks.ParamWikiList {
				if st.loopParam != "" {
					return bookError(file, line, "%s: command uses two wiki lists ({%s} and {%s}); a step runs once per wiki of one list", where, st.loopParam, r)
				}
				st.loopParam = r
			}
		}
	}
	for _, m := range textRefRe.FindAllStringSubmatch(st.Confirm, -1) {
		if !declared(specs, m[1]) {
			return bookError(file, line, "%s: confirm: {%s} is not a declared parameter (declared: %s)", where, m[1], runbooks.SpecNames(specs))
		}
	}
	return nil
}
