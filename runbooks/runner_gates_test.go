package runbooks

import (
	"context"
	"errors"
	"testing"

	"porthole/config"
	"porthole/runbooks/journal"
)

// Every line of a multi-line command gets its "$ " in a gate's detail (the
// irreversible gate and the step-mode pause), not only the first.
func TestGateDetailPrefixesEveryCommandLine(t *testing.T) {
	env := testEnv(t, map[string][]string{config.RoleMaintenance: {"mwmaint1002"}})
	cmd := "mwscript namespaceDupes.php frwiki --fix\nmwscript namespaceDupes.php hewiki --fix\n"
	want := "$ mwscript namespaceDupes.php frwiki --fix\n" +
		"$ mwscript namespaceDupes.php hewiki --fix\n" +
		"on mwmaint1002 (maintenance) in /srv\n" +
		"undo: nothing to undo"
	for _, tc := range []struct {
		name string
		step Step
		opts RunOptions
	}{
		{"irreversible", Step{Irreversible: true}, RunOptions{}},
		{"step mode", Step{}, RunOptions{StepMode: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.step
			s.ID, s.Title, s.Role, s.Command, s.Dir, s.Undo = "fix", "Fix", config.RoleMaintenance, cmd, "/srv", "nothing to undo"
			r := NewRunner(env, &Plan{ID: "gates", Kind: "test", Steps: []*Step{&s}}, nil, tc.opts)
			rr := drive(t, r, func(GateRequest) Decision { return Decision{Choice: "n"} })
			if len(rr.gates) != 1 {
				t.Fatalf("%d gates, want 1", len(rr.gates))
			}
			if got := rr.gates[0].Gate.Detail; got != want {
				t.Errorf("detail:\n%s\nwant:\n%s", got, want)
			}
			if !errors.Is(rr.err, ErrDeclined) {
				t.Errorf("err %v, want declined", rr.err)
			}
		})
	}
}

// A typed gate goes on only on the exact expected text: "y", enter or any
// other text is no, and the journal records the decision as n.
func TestTypedGateTakesOnlyTheExpectedText(t *testing.T) {
	env := testEnv(t, nil)
	for _, tc := range []struct {
		answer string
		ran    bool
	}{{"y", false}, {"", false}, {"yes", false}, {"100", false}, {"1004", true}, {" 1004 ", true}} {
		ran := false
		s := &Step{ID: "approve", Title: "+2", Role: config.RoleLocal,
			Gate: &Gate{Kind: GateTyped, Prompt: "type 1004 to +2 it", Expect: "1004", Default: "n"},
			Do:   func(context.Context, *StepContext) error { ran = true; return nil }}
		plan := &Plan{ID: "typed", Kind: "test", Steps: []*Step{s}}
		j, _ := newJournal(t, plan)
		r := NewRunner(env, plan, j, RunOptions{})
		rr := drive(t, r, func(GateRequest) Decision { return Decision{Choice: tc.answer} })
		if ran != tc.ran || (rr.err == nil) != tc.ran {
			t.Errorf("answer %q: ran %v, err %v", tc.answer, ran, rr.err)
		}
		j.Close()
		gates := recordsOf(readRecords(t, j.Path()), journal.RecGate)
		want := map[bool]string{true: "y", false: "n"}[tc.ran]
		if len(gates) != 1 || gates[0].Gate.Kind != "typed" || gates[0].Gate.Decision != want {
			t.Errorf("answer %q: journaled gates %+v", tc.answer, gates)
		}
	}
}
