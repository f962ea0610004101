// Package diffviewbench measures porthole's diff viewer on a large generated
// `git log -p` and compares it with less (see ../diffview.sh).
package diffviewbench

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

var words = strings.Fields(`collation category namespace user revision page title content
	config service handler request response cache database query result message parser
	language wiki extension hook status value option default setting record`)

// Generate writes a `git log -p` in git's exact layout (commit, Author, Date,
// indented message with Bug and Change-Id footers, diff --git, index, ---/+++,
// @@ hunks of PHP, JSON and JavaScript) until it has at least lines lines.
func Generate(w io.Writer, lines int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	n := 0
	p := func(format string, a ...any) {
		fmt.Fprintf(bw, format+"\n", a...)
		n++
	}
	hex := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = "0123456789abcdef"[r.IntN(16)]
		}
		return string(b)
	}
	word := func() string { return words[r.IntN(len(words))] }
	camel := func() string { w := word(); return strings.ToUpper(w[:1]) + w[1:] }
	code := func(ext string, indent int) string {
		tabs := strings.Repeat("\t", indent)
		switch ext {
		case "json":
			return fmt.Sprintf(`%s"%s-%s": "%s %s %s",`, tabs, word(), word(), camel(), word(), word())
		case "js":
			return fmt.Sprintf(`%sconst %s%s = mw.config.get( '%s%s' ) || %d;`, tabs, word(), camel(), "wg", camel(), r.IntN(100))
		}
		switch r.IntN(5) {
		case 0:
			return fmt.Sprintf(`%s$%s = $this->%s->get%s( '%s' );`, tabs, word(), word(), camel(), camel())
		case 1:
			return fmt.Sprintf(`%sif ( $%s === null || !$this->%s%s() ) {`, tabs, word(), word(), camel())
		case 2:
			return fmt.Sprintf(`%s// %s the %s before the %s is %s (T%d)`, tabs, camel(), word(), word(), word(), 100000+r.IntN(300000))
		case 3:
			return fmt.Sprintf(`%sreturn new %s%s( $%s, %d, '%s' );`, tabs, camel(), camel(), word(), r.IntN(1000), word())
		}
		return fmt.Sprintf(`%s$%s[] = [ '%s' => $%s, '%s' => %d ];`, tabs, word(), word(), word(), word(), r.IntN(10))
	}
	for c := 0; n < lines; c++ {
		p("commit %s", hex(40))
		p("Author: %s Deployer <%s@example.org>", camel(), word())
		p("Date:   Mon Mar %d 10:%02d:00 2026 +0000", 1+c%28, c%60)
		p("")
		p("    %s %s %s in %s", camel(), word(), word(), camel())
		p("")
		p("    %s the %s so that the %s %s.", camel(), word(), word(), word())
		p("")
		p("    Bug: T%d", 100000+r.IntN(300000))
		p("    Change-Id: I%s", hex(40))
		p("")
		for f, files := 0, 1+r.IntN(4); f < files; f++ {
			ext := []string{"php", "php", "php", "json", "js"}[r.IntN(5)]
			path := fmt.Sprintf("includes/%s/%s%s.%s", camel(), camel(), camel(), ext)
			p("diff --git a/%s b/%s", path, path)
			p("index %s..%s 100644", hex(7), hex(7))
			p("--- a/%s", path)
			p("+++ b/%s", path)
			at := 1 + r.IntN(500)
			for h, hunks := 0, 1+r.IntN(4); h < hunks; h++ {
				ctx, del, add := 3+r.IntN(3), r.IntN(8), 1+r.IntN(10)
				p("@@ -%d,%d +%d,%d @@ class %s%s {", at, 2*ctx+del, at, 2*ctx+add, camel(), camel())
				for i := 0; i < ctx; i++ {
					p(" %s", code(ext, 1+i%3))
				}
				for i := 0; i < del; i++ {
					p("-%s", code(ext, 2))
				}
				for i := 0; i < add; i++ {
					p("+%s", code(ext, 2))
				}
				for i := 0; i < ctx; i++ {
					p(" %s", code(ext, 1+i%3))
				}
				at += 40 + r.IntN(200)
			}
		}
		p("")
	}
	return bw.Flush()
}
