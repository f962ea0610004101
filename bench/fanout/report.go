package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"text/tabwriter"
	"time"
)

// run is one timed run.
type run struct {
	rep      int
	scenario string // scenario label, e.g. direct-100
	n        int
	work     string
	tool     string
	wall     time.Duration
	cpu      time.Duration // the tool and the children it waited for
	sshdCPU  time.Duration
	maxRSS   int64 // bytes, the tool's largest process (getrusage ru_maxrss)
	exitCode int
	outBytes int64
	problem  string // "" when the output was complete and right
}

type stats struct {
	median, min, max, cpu, sshd time.Duration
	rss                         int64 // the largest of the runs
	n, runs                     int
	ok                          bool
}

func summarize(runs []run, scenario, work, tool string) stats {
	var walls, cpus, sshds []time.Duration
	s := stats{ok: true}
	for _, r := range runs {
		if r.scenario != scenario || r.work != work || r.tool != tool {
			continue
		}
		walls, cpus, sshds = append(walls, r.wall), append(cpus, r.cpu), append(sshds, r.sshdCPU)
		s.runs++
		s.rss, s.n = max(s.rss, r.maxRSS), r.n
		if r.problem != "" {
			s.ok = false
		}
	}
	if len(walls) == 0 {
		return s
	}
	s.median, s.cpu, s.sshd = median(walls), median(cpus), median(sshds)
	s.min, s.max = slices.Min(walls), slices.Max(walls)
	return s
}

func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}

// report prints the table and the targets; false when a check or target failed.
func report(runs []run, cases []benchCase, o options) bool {
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "hosts\tworkload\ttool\truns\twall median s\tmin-max s\tms/host\tclient CPU ms/host\tsshd CPU ms/host\tmax RSS MB\toutput\t")
	good, othersBad := true, false
	for _, k := range cases {
		for _, t := range k.tools {
			s := summarize(runs, k.sc.label(), k.w.name, t.name)
			check := "complete"
			switch {
			case s.ok:
			case isComparison(t.name): // parallel-ssh's or clush's trouble is not porthole's
				check, othersBad = "PROBLEM (comparison tool)", true
			default:
				check, good = "PROBLEM", false
			}
			n := float64(k.sc.n)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.2f\t%.2f-%.2f\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t\n", k.sc.label(), k.w.name, t.name,
				s.runs, s.median.Seconds(), s.min.Seconds(), s.max.Seconds(), ms(s.median)/n, ms(s.cpu)/n, ms(s.sshd)/n,
				float64(s.rss)/(1<<20), check)
		}
	}
	tw.Flush()
	fmt.Println()
	for _, t := range targets(runs, cases, o) {
		verdict := "ok"
		if !t.met {
			verdict, good = "MISSED", false
		}
		fmt.Printf("%-12s %-6s %-34s = %8s  %s (target %s)\n", t.scenario, t.work, t.what, t.value, verdict, t.goal)
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\nload average at the end: %s", load)
	switch {
	case good && othersBad:
		fmt.Println("all targets met, porthole's and the bare loop's outputs complete; a comparison tool lost output (PROBLEM above): its figures count that run")
	case good:
		fmt.Println("all outputs complete, all targets met")
	default:
		fmt.Println("FAILED: see PROBLEM / MISSED above")
	}
	return good
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func writeTSV(path string, runs []run) {
	var b bytes.Buffer
	b.WriteString("rep\tscenario\twork\ttool\texit\twall_s\tclient_cpu_s\tsshd_cpu_s\tmax_rss_kb\tout_bytes\tproblem\n")
	for _, r := range runs {
		fmt.Fprintf(&b, "%d\t%s\t%s\t%s\t%d\t%.3f\t%.3f\t%.2f\t%d\t%d\t%s\n", r.rep, r.scenario, r.work, r.tool, r.exitCode,
			r.wall.Seconds(), r.cpu.Seconds(), r.sshdCPU.Seconds(), r.maxRSS/1024, r.outBytes, r.problem)
	}
	must(os.WriteFile(path, b.Bytes(), 0o644))
	fmt.Println("raw runs:", path)
}

// isComparison is true for the tools porthole is compared with (parallel-ssh,
// clush): their failures are reported, not porthole's.
func isComparison(tool string) bool { return tool == "pssh" || tool == "clush" }
