package runbooks

import (
	"errors"
	"testing"

	"porthole/config"
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
