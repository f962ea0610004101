package diffview

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// hlJob is one line to highlight, with its pair for the word diff.
type hlJob struct {
	line       int
	kind       Kind
	raw        string
	path       string
	partner    bool
	partnerRaw string
}

// hlResult is what a highlighting command computed.
type hlResult struct {
	syn   map[int][]span
	words map[int][]span
}

// Settle is how long work that no screen waits for (prefetching the next
// page's colours, indexing the rest of a file just opened) waits after the
// frame that came before it: on a busy 2-core machine it competed for the
// CPU with the terminal drawing that frame (a page-down took 3.1-3.5 ms
// instead of 4.8-5.4 ms to show in tmux with it). Benchmarks that time the
// work itself set it to 0.
var Settle = 8 * time.Millisecond

// highlightCmd highlights the screen, or else prefetches the next and the
// previous page (after Settle), one job at a time.
func (m *Model) highlightCmd() tea.Cmd {
	if m.hlBusy || m.doc == nil {
		return nil
	}
	body := m.body()
	if len(m.syn) > maxCached {
		m.evict(m.top-2*body, m.top+3*body)
	}
	jobs := jobsFor(m.doc, m.top, m.raw, m.syn, m.words, &m.run)
	prefetch := len(jobs) == 0
	for _, from := range []int{m.top + body, m.top - body} {
		if len(jobs) > 0 {
			break
		}
		from = max(0, from)
		if from >= m.doc.Lines() {
			continue
		}
		raw, err := m.doc.ReadLines(from, from+body)
		if err == nil {
			jobs = jobsFor(m.doc, from, raw, m.syn, m.words, &m.run)
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	m.hlBusy = true
	hl, gen := m.hl, m.gen
	return func() tea.Msg {
		if prefetch {
			time.Sleep(Settle)
		}
		return highlightedMsg{gen: gen, res: runJobs(hl, jobs)}
	}
}

// maxCached bounds how many lines keep their highlights (a few hundred
// screens); memory stays flat however far one scrolls.
const maxCached = 6000

// evict forgets the highlights of lines outside [from, to).
func (m *Model) evict(from, to int) {
	syn, words := make(map[int][]span, to-from), make(map[int][]span, to-from)
	for n := max(0, from); n < to; n++ {
		if v, ok := m.syn[n]; ok {
			syn[n] = v
		}
		if v, ok := m.words[n]; ok {
			words[n] = v
		}
	}
	m.syn, m.words = syn, words
}

func (m *Model) merge(r hlResult) {
	for k, v := range r.syn {
		m.syn[k] = v
	}
	for k, v := range r.words {
		m.words[k] = v
	}
}

// jobsFor lists the lines of raw (starting at line from) that still need
// syntax or word highlighting.
func jobsFor(d *Doc, from int, raw []string, syn, words map[int][]span, run *[3]int) []hlJob {
	var jobs []hlJob
	for i, r := range raw {
		n := from + i
		k := d.Kind(n)
		if !isContent(k) {
			continue
		}
		_, haveSyn := syn[n]
		_, haveWords := words[n]
		if haveSyn && (haveWords || k == KindContext) {
			continue
		}
		j := hlJob{line: n, kind: k, raw: r}
		if f := d.FileAt(n); f >= 0 {
			j.path = d.files[f].Path
		}
		if k != KindContext {
			if p := partner(d, n, run); p >= 0 {
				j.partner = true
				if p >= from && p < from+len(raw) {
					j.partnerRaw = raw[p-from]
				} else if pr, err := d.ReadLines(p, p+1); err == nil && len(pr) == 1 {
					j.partnerRaw = pr[0]
				}
			}
		}
		jobs = append(jobs, j)
	}
	return jobs
}

// runJobs highlights lines; it only reads its arguments and the shared,
// locked highlighter, so it runs as a command.
func runJobs(hl *highlighter, jobs []hlJob) hlResult {
	res := hlResult{syn: map[int][]span{}, words: map[int][]span{}}
	for _, j := range jobs {
		_, text := lineText(j.kind, j.raw)
		res.syn[j.line] = hl.spans(hl.lexer(j.path), text)
		if j.kind == KindContext {
			continue
		}
		res.words[j.line] = nil
		if j.partner {
			pk := KindAdd
			if j.kind == KindAdd {
				pk = KindDel
			}
			_, ptext := lineText(pk, j.partnerRaw)
			if j.kind == KindDel {
				res.words[j.line], _ = wordDiff(text, ptext)
			} else {
				_, res.words[j.line] = wordDiff(ptext, text)
			}
		}
	}
	return res
}

// runOf finds the run of lines of kind k around n (k must be Kind(n)).
func runOf(d *Doc, n int, k Kind, memo *[3]int) (int, int) {
	if memo[0] == int(k)+1 && n >= memo[1] && n <= memo[2] {
		return memo[1], memo[2]
	}
	s, e := n, n
	for s > 0 && d.kinds[s-1] == k {
		s--
	}
	for e+1 < len(d.kinds) && d.kinds[e+1] == k {
		e++
	}
	*memo = [3]int{int(k) + 1, s, e}
	return s, e
}

// partner pairs the i-th removed line of a block with its i-th added line;
// -1 when the line has no partner. Pairs that turn out to have little in
// common get no word highlights (see wordDiff).
func partner(d *Doc, n int, memo *[3]int) int {
	switch k := d.kinds[n]; k {
	case KindDel:
		s, e := runOf(d, n, KindDel, memo)
		a := e + 1
		if a >= len(d.kinds) || d.kinds[a] != KindAdd {
			return -1
		}
		_, ae := runOf(d, a, KindAdd, memo)
		if p := a + n - s; p <= ae {
			return p
		}
	case KindAdd:
		s, _ := runOf(d, n, KindAdd, memo)
		if s == 0 || d.kinds[s-1] != KindDel {
			return -1
		}
		ds, de := runOf(d, s-1, KindDel, memo)
		if p := ds + n - s; p <= de {
			return p
		}
	}
	return -1
}
