package main

import (
	"testing"
	"time"
)

// TestReportFailsOnPortholesProblemsOnly: a run where clush lost a host is
// reported (PROBLEM (comparison tool)) without failing the benchmark; the
// same loss in porthole's output fails it.
func TestReportFailsOnPortholesProblemsOnly(t *testing.T) {
	sc := &scenario{name: "direct", n: 2}
	cases := []benchCase{{sc: sc, w: workload{name: "true"}, tools: []tool{{name: "porthole"}, {name: "clush"}}}}
	runsWith := func(bad string) []run {
		var rs []run
		for _, name := range []string{"porthole", "clush"} {
			r := run{scenario: sc.label(), n: 2, work: "true", tool: name, wall: time.Second}
			if name == bad {
				r.problem = "output from 1 hosts, want 2"
			}
			rs = append(rs, r)
		}
		return rs
	}
	if !report(runsWith("clush"), cases, options{}) {
		t.Error("clush's lost host failed the benchmark")
	}
	if report(runsWith("porthole"), cases, options{}) {
		t.Error("porthole's lost host did not fail the benchmark")
	}
	if !report(runsWith(""), cases, options{}) {
		t.Error("complete runs failed the benchmark")
	}
}
