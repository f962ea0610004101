package winview

import (
	"porthole/runbooks"
	"porthole/tui/components/confirm"
	"porthole/tui/components/logpane"
	"porthole/tui/components/steplist"
)

// The window's components take plain data; these fill it from the engine's.

// listSteps are a plan's steps as the step list shows them.
func listSteps(steps []*runbooks.Step, hosts func(role string) string) []*steplist.Step {
	out := make([]*steplist.Step, len(steps))
	for i, s := range steps {
		out[i] = &steplist.Step{ID: s.ID, Title: s.Title, Where: hosts(s.Role), Dir: s.Dir,
			Command: s.Command, Irreversible: s.Irreversible}
	}
	return out
}

// listState is a step state as the step list knows it.
func listState(s runbooks.StepState) steplist.State {
	switch s {
	case runbooks.Running:
		return steplist.Running
	case runbooks.Done:
		return steplist.Done
	case runbooks.Failed:
		return steplist.Failed
	case runbooks.Skipped:
		return steplist.Skipped
	}
	return steplist.Pending
}

// listStates are the states a resumed window starts with.
func listStates(states map[string]runbooks.StepState) map[string]steplist.State {
	out := make(map[string]steplist.State, len(states))
	for id, s := range states {
		out[id] = listState(s)
	}
	return out
}

// logLevel is a note's level as the log pane shows it.
func logLevel(l runbooks.Level) logpane.Level {
	switch l {
	case runbooks.Warn:
		return logpane.Warn
	case runbooks.Danger:
		return logpane.Danger
	}
	return logpane.Info
}

// question is a gate as the dialog asks it.
func question(g runbooks.Gate) confirm.Question {
	q := confirm.Question{Kind: confirm.Continue, Prompt: g.Prompt, Detail: g.Detail, Default: g.Default}
	switch g.Kind {
	case runbooks.GateConfirm:
		q.Kind = confirm.YesNo
	case runbooks.GateChoice:
		q.Kind = confirm.Choose
	case runbooks.GateTyped:
		q.Kind, q.Expect = confirm.Typed, g.Expect
	}
	for _, ch := range g.Choices {
		q.Choices = append(q.Choices, confirm.Choice{Key: ch.Key, Label: ch.Label})
	}
	return q
}
