package main

import (
	"fmt"
	"slices"
)

// Targets (issue 14 and the first fan-out issue).
const (
	psshDirect    = 3.0   // parallel-ssh wall / porthole wall, direct
	psshBastion   = 6.0   // the same through the bastion
	bareGo        = 1.3   // porthole wall / gofan wall, direct
	perHostGrowth = 1.2   // porthole's wall per host at -n / at -base
	maxRSSBytes   = 200e6 // porthole's largest RSS
)

// target is one checked figure.
type target struct {
	scenario, work, what, value, goal string
	met                               bool
}

// targets computes every target the runs allow (a tool left out with -tools skips its ratios).
func targets(runs []run, cases []benchCase, o options) []target {
	var out []target
	has := func(k benchCase, name string) bool {
		return slices.ContainsFunc(k.tools, func(t tool) bool { return t.name == name })
	}
	for _, k := range cases {
		label := k.sc.label()
		ph := summarize(runs, label, k.w.name, "porthole")
		if ph.median == 0 {
			continue
		}
		add := func(what, goal string, v float64, met bool) {
			out = append(out, target{scenario: label, work: k.w.name, what: what, value: fmt.Sprintf("%.2fx", v), goal: goal, met: met})
		}
		if has(k, "pssh") {
			r := summarize(runs, label, k.w.name, "pssh").median.Seconds() / ph.median.Seconds()
			goal := psshDirect
			if k.sc.name == "bastion" {
				goal = psshBastion
			}
			add("pssh/porthole", fmt.Sprintf(">= %.0f", goal), r, r >= goal)
		}
		if has(k, "clush") {
			r := summarize(runs, label, k.w.name, "clush").median.Seconds() / ph.median.Seconds()
			add("clush/porthole", "none, for comparison", r, true)
		}
		if has(k, "gofan") {
			r := ph.median.Seconds() / summarize(runs, label, k.w.name, "gofan").median.Seconds()
			if k.sc.name == "direct" {
				add("porthole/bare-go", fmt.Sprintf("<= %.1f", bareGo), r, r <= bareGo)
			} else {
				add("porthole/bare-go (one jump conn)", "none, for comparison", r, true)
			}
		}
		if k.sc.name == "direct" && k.sc.n == o.n && o.n > o.base {
			base := summarize(runs, fmt.Sprintf("direct-%d", o.base), k.w.name, "porthole")
			if base.median > 0 {
				r := (ph.median.Seconds() / float64(o.n)) / (base.median.Seconds() / float64(o.base))
				add(fmt.Sprintf("porthole per host %d/%d", o.n, o.base), fmt.Sprintf("<= %.1f", perHostGrowth), r, r <= perHostGrowth)
			}
		}
		out = append(out, target{scenario: label, work: k.w.name, what: "porthole max RSS",
			value: fmt.Sprintf("%.0f MB", float64(ph.rss)/1e6), goal: fmt.Sprintf("< %.0f MB", maxRSSBytes/1e6), met: float64(ph.rss) < maxRSSBytes})
	}
	return out
}
