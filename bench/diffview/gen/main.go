// Command gen writes a large generated `git log -p` for the diff-viewer benchmark.
package main

import (
	"flag"
	"fmt"
	"os"

	diffviewbench "porthole/bench/diffview"
)

func main() {
	lines := flag.Int("lines", 100000, "at least this many lines")
	out := flag.String("o", "", "output file (stdout when empty)")
	flag.Parse()
	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	if err := diffviewbench.Generate(w, *lines, 42); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
