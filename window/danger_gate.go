package window

import (
	"fmt"
	"strconv"
	"strings"

	"porthole/gerrit"
	"porthole/runbooks"
)

// dangerGate is the +2 gate of a window with danger warnings (a schema
// change, a -2, a version no wiki runs): a typed gate that goes on only when
// the deployer types the number(s) of the changes the warnings are about,
// so that answering "y" to everything leaves them unmerged.
func dangerGate(changes []*gerrit.Change, warnings []runbooks.Warning, detail string) *runbooks.Gate {
	var dangers []string
	about := map[int]bool{}
	for _, w := range warnings {
		if w.Level != runbooks.Danger {
			continue
		}
		dangers = append(dangers, "⚠ "+w.Text)
		if w.Change != 0 {
			about[w.Change] = true
		}
	}
	var nums []string
	for _, ch := range changes {
		if about[ch.Number] {
			nums = append(nums, strconv.Itoa(ch.Number))
		}
	}
	if len(nums) == 0 && len(changes) > 0 {
		nums = []string{strconv.Itoa(changes[0].Number)} // a window-wide danger
	}
	expect := strings.Join(nums, " ")
	them := "it"
	if len(changes) > 1 {
		them = "the window's changes"
	}
	return &runbooks.Gate{
		Kind:   runbooks.GateTyped,
		Prompt: fmt.Sprintf("%s: type %s to +2 %s anyway (anything else stops here)", countOf(len(dangers), "danger warning"), expect, them),
		Detail: detail + "\n\n" + strings.Join(dangers, "\n") +
			"\n\nThese stop a window unless you explicitly go on: y is not enough, type " + expect + ".",
		Expect:  expect,
		Default: "n",
	}
}
