package lazyre

import (
	"strings"
	"testing"
)

// TestCompiledOnFirstUse: New compiles nothing (an invalid expression is
// accepted); the first method compiles, and answers as regexp does; an
// invalid expression panics there, as regexp.MustCompile would.
func TestCompiledOnFirstUse(t *testing.T) {
	bad := New(`(`)
	if bad.re != nil {
		t.Fatal("compiled by New")
	}
	re := New(`(\w+)=(\d+)`)
	if !re.MatchString("a=1") || re.MatchString("a=b") {
		t.Error("MatchString")
	}
	if m := re.FindStringSubmatch("x a=12 b=3"); strings.Join(m, ",") != "a=12,a,12" {
		t.Errorf("FindStringSubmatch = %q", m)
	}
	if got := re.ReplaceAllString("a=1 b=2", "$2=$1"); got != "1=a 2=b" {
		t.Errorf("ReplaceAllString = %q", got)
	}
	if got := re.FindAllString("a=1 b=2 c", -1); len(got) != 2 {
		t.Errorf("FindAllString = %q", got)
	}
	if re.Re() != re.Re() {
		t.Error("compiled twice")
	}
	defer func() {
		if recover() == nil {
			t.Error("an invalid expression did not panic on first use")
		}
	}()
	bad.MatchString("x")
}
