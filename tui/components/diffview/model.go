// Package diffview is the viewer for `git log -p HEAD..@{u}`: it indexes the
// patch file lazily, draws only the lines on screen with chroma syntax colours
// and word-level highlights, jumps between files and commits, searches, and
// marks incoming commits that do not belong to the change being deployed.
package diffview

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"porthole/tui/common"
	"porthole/tui/components/input"
)

// ExtraBanner is what an incoming commit that is not part of the change says.
const ExtraBanner = "✗ NOT PART OF THIS CHANGE"

var generation atomic.Int64

// OpenedMsg carries a freshly opened patch (or the error opening it).
type OpenedMsg struct {
	gen int64
	doc *Doc
	res hlResult
	Err error
}

// CloseMsg asks the owner to close the viewer.
type CloseMsg struct{}

type indexedMsg struct {
	gen int64
	c   chunk
}

type highlightedMsg struct {
	gen int64
	res hlResult
}

type searchedMsg struct {
	gen     int64
	res     searchResult
	forward bool
	query   string
}

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

// Model is the diff viewer component.
type Model struct {
	c     *common.Common
	gen   int64
	doc   *Doc
	path  string
	title string
	err   error

	top, hoff     int
	width, height int

	expected map[string]bool
	extra    map[string]bool

	hl        *highlighter
	paint     *painter
	paintDark bool
	syn       map[int][]span
	words     map[int][]span
	hlBusy    bool
	run       [3]int // last -/+ run found: kind, start, end

	raw []string // the lines on screen, [top, top+body)

	input      input.Model
	searching  bool
	match      *matcher
	matchLine  int
	searchBusy bool
	status     string
}

// New returns an empty viewer.
func New(c *common.Common) Model {
	in := input.New("/", "search (smart case)")
	in.PromptStyle = c.Styles.App.Key
	hl := newHighlighter(c.Styles.Theme.ChromaStyle)
	return Model{
		c: c, hl: hl, paint: newPainter(c.Styles, hl), paintDark: c.Styles.IsDark,
		syn: map[int][]span{}, words: map[int][]span{}, input: in, matchLine: -1,
		width: c.Width, height: c.Height,
	}
}

// SetExpected names the Change-Ids the window deploys; any incoming commit
// carrying none of them is marked as not part of the change.
func (m *Model) SetExpected(changeIDs []string) {
	m.expected = map[string]bool{}
	for _, id := range changeIDs {
		if id != "" {
			m.expected[id] = true
		}
	}
}

// SetExtra marks commits (by full SHA) as not part of the change, as the
// runbook's check found them.
func (m *Model) SetExtra(shas []string) {
	m.extra = map[string]bool{}
	for _, s := range shas {
		m.extra[s] = true
	}
}

// SetSize sets the viewer's size, header and status line included; the
// command highlights what a larger screen newly shows.
func (m *Model) SetSize(w, h int) tea.Cmd {
	m.width, m.height = max(w, 10), max(h, 4)
	m.input.SetWidth(max(10, w-20))
	return m.sync()
}

// Open starts loading a patch file; the returned command opens and indexes
// its first chunk and highlights the first screen off the UI goroutine.
func (m *Model) Open(path, title string) tea.Cmd {
	m.reset()
	m.gen = generation.Add(1)
	m.path, m.title = path, title
	gen, hl, body := m.gen, m.hl, m.body()
	return func() tea.Msg {
		doc, err := Open(path)
		if err != nil {
			return OpenedMsg{gen: gen, Err: err}
		}
		raw, _ := doc.ReadLines(0, body)
		jobs := jobsFor(doc, 0, raw, nil, nil, &[3]int{})
		return OpenedMsg{gen: gen, doc: doc, res: runJobs(hl, jobs)}
	}
}

// SetDoc shows an already indexed document (tests, small in-memory patches).
func (m *Model) SetDoc(d *Doc, title string) tea.Cmd {
	m.reset()
	m.gen = generation.Add(1)
	m.doc, m.path, m.title = d, d.Path, title
	return m.sync()
}

func (m *Model) reset() {
	if m.doc != nil {
		_ = m.doc.Close()
	}
	m.doc, m.err, m.top, m.hoff = nil, nil, 0, 0
	m.syn, m.words = map[int][]span{}, map[int][]span{}
	m.hlBusy, m.searchBusy, m.searching = false, false, false
	m.match, m.matchLine, m.status, m.raw = nil, -1, "", nil
	m.run = [3]int{}
}

// Close releases the open file.
func (m *Model) Close() { m.reset() }

// Doc is the open document, or nil.
func (m Model) Doc() *Doc { return m.doc }

// Top is the first line on screen.
func (m Model) Top() int { return m.top }

// Searching is true while the search prompt is open (keys go to it).
func (m Model) Searching() bool { return m.searching }

// Status is the viewer's last message ("pattern not found", …).
func (m Model) Status() string { return m.status }

func (m Model) body() int { return max(1, m.height-2) }

// Update handles keys and the viewer's own messages.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case OpenedMsg:
		if msg.gen != m.gen {
			if msg.doc != nil {
				_ = msg.doc.Close()
			}
			return m, nil
		}
		if msg.Err != nil {
			m.err = msg.Err
			return m, nil
		}
		m.doc = msg.doc
		m.merge(msg.res)
		return m, tea.Batch(m.sync(), m.indexCmd())
	case indexedMsg:
		if msg.gen != m.gen || m.doc == nil {
			return m, nil
		}
		_ = m.doc.apply(msg.c)
		return m, tea.Batch(m.sync(), m.indexCmd())
	case highlightedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.hlBusy = false
		m.merge(msg.res)
		return m, m.sync()
	case searchedMsg:
		return m.searched(msg)
	case tea.KeyPressMsg:
		if m.searching {
			return m.searchKey(msg)
		}
		return m.key(msg)
	}
	if m.searching {
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.c.Keys
	body := m.body()
	m.status = ""
	switch {
	case key.Matches(msg, k.Back, k.Quit):
		return m, func() tea.Msg { return CloseMsg{} }
	case key.Matches(msg, k.Down):
		m.top++
	case key.Matches(msg, k.Up):
		m.top--
	case key.Matches(msg, k.PageDown):
		m.top += body
	case key.Matches(msg, k.PageUp):
		m.top -= body
	case key.Matches(msg, k.HalfDown):
		m.top += body / 2
	case key.Matches(msg, k.HalfUp):
		m.top -= body / 2
	case key.Matches(msg, k.Top):
		m.top = 0
	case key.Matches(msg, k.Bottom):
		m.top = m.lines()
		if m.doc != nil && !m.doc.Done() {
			m.status = "still reading the file: this is the end so far"
		}
	case key.Matches(msg, k.Right):
		m.hoff += 8
	case key.Matches(msg, k.Left):
		m.hoff = max(0, m.hoff-8)
	case key.Matches(msg, k.NextFile):
		m.jump(m.fileLines(), true, "file")
	case key.Matches(msg, k.PrevFile):
		m.jump(m.fileLines(), false, "file")
	case key.Matches(msg, k.NextCommit):
		m.jump(m.commitLines(), true, "commit")
	case key.Matches(msg, k.PrevCommit):
		m.jump(m.commitLines(), false, "commit")
	case key.Matches(msg, k.Search):
		m.searching = true
		m.input.SetValue("")
		m.input.Focus()
		return m, nil
	case key.Matches(msg, k.NextMatch):
		return m, m.searchCmd(true)
	case key.Matches(msg, k.PrevMatch):
		return m, m.searchCmd(false)
	default:
		return m, nil
	}
	return m, m.sync()
}

func (m Model) searchKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.searching = false
		m.input.Blur()
		return m, nil
	case "enter":
		m.searching = false
		m.input.Blur()
		q := m.input.Value()
		if q == "" {
			if m.match == nil {
				return m, nil
			}
		} else {
			m.match = newMatcher(q)
			m.matchLine = m.top - 1
		}
		return m, m.searchCmd(true)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// searchCmd looks for the next or previous match in a command.
func (m *Model) searchCmd(forward bool) tea.Cmd {
	if m.doc == nil {
		return nil
	}
	if m.match == nil {
		m.status = "no search yet: press / to search"
		return nil
	}
	if m.searchBusy {
		return nil
	}
	m.searchBusy = true
	m.status = "searching for " + m.match.query + "…"
	from := m.matchLine + 1
	if m.matchLine < 0 {
		from = m.top
	}
	if !forward {
		from = m.matchLine
		if m.matchLine < 0 {
			from = m.top
		}
	}
	r, offsets, end, re, gen, q := m.doc.r, m.doc.offsets[:len(m.doc.offsets):len(m.doc.offsets)], m.doc.st.Offset, m.match.re, m.gen, m.match.query
	return func() tea.Msg {
		return searchedMsg{gen: gen, res: search(r, offsets, end, from, forward, re), forward: forward, query: q}
	}
}

func (m Model) searched(msg searchedMsg) (Model, tea.Cmd) {
	if msg.gen != m.gen {
		return m, nil
	}
	m.searchBusy = false
	if !msg.res.found {
		m.status = "pattern not found: " + msg.query
		if m.doc != nil && !m.doc.Done() {
			m.status += " (still reading the file)"
		}
		return m, nil
	}
	m.matchLine = msg.res.line
	m.status = fmt.Sprintf("/%s: line %d", msg.query, msg.res.line+1)
	if msg.res.wrapped {
		m.status += map[bool]string{true: " (wrapped to the top)", false: " (wrapped to the bottom)"}[msg.forward]
	}
	body := m.body()
	if m.matchLine < m.top || m.matchLine >= m.top+body {
		m.top = m.matchLine - body/3
	}
	return m, m.sync()
}

func (m Model) lines() int {
	if m.doc == nil {
		return 0
	}
	return m.doc.Lines()
}

func (m Model) fileLines() []int {
	if m.doc == nil {
		return nil
	}
	out := make([]int, len(m.doc.files))
	for i, f := range m.doc.files {
		out[i] = f.Line
	}
	return out
}

func (m Model) commitLines() []int {
	if m.doc == nil {
		return nil
	}
	out := make([]int, len(m.doc.commits))
	for i, c := range m.doc.commits {
		out[i] = c.Line
	}
	return out
}

// jump moves the top to the next or previous boundary.
func (m *Model) jump(bounds []int, next bool, what string) {
	if next {
		i := sort.SearchInts(bounds, m.top+1)
		if i < len(bounds) {
			m.top = bounds[i]
			return
		}
		m.status = "no next " + what
		if m.doc != nil && !m.doc.Done() {
			m.status += " yet (still reading the file)"
		}
		return
	}
	i := sort.SearchInts(bounds, m.top) - 1
	if i >= 0 {
		m.top = bounds[i]
		return
	}
	m.status = "no previous " + what
}

// sync clamps the position, reads the lines on screen and starts
// highlighting whatever is not highlighted yet.
func (m *Model) sync() tea.Cmd {
	if m.doc == nil {
		return nil
	}
	if m.paintDark != m.c.Styles.IsDark {
		m.hl = newHighlighter(m.c.Styles.Theme.ChromaStyle)
		m.paint, m.paintDark = newPainter(m.c.Styles, m.hl), m.c.Styles.IsDark
		m.syn, m.words = map[int][]span{}, map[int][]span{}
		m.hlBusy = false
	}
	body := m.body()
	m.top = max(0, min(m.top, m.doc.Lines()-body))
	raw, err := m.doc.ReadLines(m.top, m.top+body)
	if err != nil {
		m.err = err
	}
	m.raw = raw
	return m.highlightCmd()
}

// highlightCmd highlights the screen, or else prefetches the next and the
// previous page, one job at a time.
func (m *Model) highlightCmd() tea.Cmd {
	if m.hlBusy || m.doc == nil {
		return nil
	}
	body := m.body()
	if len(m.syn) > maxCached {
		m.evict(m.top-2*body, m.top+3*body)
	}
	jobs := jobsFor(m.doc, m.top, m.raw, m.syn, m.words, &m.run)
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
	return func() tea.Msg { return highlightedMsg{gen: gen, res: runJobs(hl, jobs)} }
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

// indexCmd scans the next chunk of the file.
func (m *Model) indexCmd() tea.Cmd {
	if m.doc == nil || m.doc.Done() {
		return nil
	}
	r, size, st, gen := m.doc.r, m.doc.size, m.doc.st, m.gen
	return func() tea.Msg { return indexedMsg{gen: gen, c: scan(r, size, st, chunkSize)} }
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

// isExtra tells whether commit i is not part of the change.
func (m Model) isExtra(i int) bool {
	if i < 0 || m.doc == nil || i >= len(m.doc.commits) {
		return false
	}
	c := m.doc.commits[i]
	if m.extra[c.SHA] {
		return true
	}
	if len(m.expected) == 0 || c.Merge {
		return false
	}
	for _, id := range c.ChangeIDs {
		if m.expected[id] {
			return false
		}
	}
	return true
}

// View draws the header, the lines on screen and the status line.
func (m Model) View() string {
	w := m.width
	st := m.c.Styles.Diff
	var b strings.Builder
	switch {
	case m.err != nil && m.doc == nil:
		b.WriteString(st.HeaderExtra.Width(w).Render(ansi.Truncate("Cannot show the diff: "+m.err.Error(), w, "…")))
		b.WriteString("\n" + strings.Repeat("\n", m.body()))
		b.WriteString(st.Status.Render("esc: back"))
		return b.String()
	case m.doc == nil:
		b.WriteString(st.Header.Width(w).Render(ansi.Truncate("Loading "+m.path+"…", w, "…")))
		b.WriteString("\n" + strings.Repeat("\n", m.body()))
		return b.String()
	}
	b.WriteString(m.header())
	b.WriteByte('\n')
	body := m.body()
	for i := 0; i < body; i++ {
		n := m.top + i
		if i < len(m.raw) {
			b.WriteString(m.renderLine(n, m.raw[i]))
		} else {
			b.WriteString(st.Gutter.Render("~"))
		}
		b.WriteByte('\n')
	}
	b.WriteString(m.statusLine())
	return b.String()
}

func (m Model) renderLine(n int, raw string) string {
	k := m.doc.Kind(n)
	if k == KindCommit {
		if c := m.doc.CommitAt(n); m.isExtra(c) {
			return m.paint.bannerLine(raw+"   "+ExtraBanner, m.width)
		}
	}
	var matches []span
	if m.match != nil {
		_, text := lineText(k, raw)
		matches = m.match.spans(text)
	}
	return m.paint.line(k, raw, m.syn[n], m.words[n], matches, m.hoff, m.width)
}

// header names the commit and file at the top of the screen.
func (m Model) header() string {
	d := m.doc
	st := m.c.Styles.Diff
	ci := d.CommitAt(m.top)
	if ci < 0 && len(d.commits) > 0 {
		ci = 0
	}
	more := ""
	if !d.Done() {
		more = "+"
	}
	var parts []string
	extra := m.isExtra(ci)
	if extra {
		parts = append(parts, ExtraBanner)
	}
	if ci >= 0 {
		c := d.commits[ci]
		parts = append(parts, fmt.Sprintf("commit %d/%d%s %s %s", ci+1, len(d.commits), more, short(c.SHA), c.Subject))
	} else if m.title != "" {
		parts = append(parts, m.title)
	}
	if fi := d.FileAt(m.top); fi >= 0 {
		f := d.files[fi]
		n, total := filePos(d, fi)
		parts = append(parts, fmt.Sprintf("file %d/%d %s", n, total, f.Path))
	}
	text := displayText(strings.Join(parts, " · "))
	style := st.Header
	if extra {
		style = st.HeaderExtra
	}
	return style.Width(m.width).MaxHeight(1).Render(ansi.Truncate(text, m.width, "…"))
}

// filePos numbers file fi within its commit.
func filePos(d *Doc, fi int) (int, int) {
	c := d.files[fi].Commit
	first, last := fi, fi
	for first > 0 && d.files[first-1].Commit == c {
		first--
	}
	for last+1 < len(d.files) && d.files[last+1].Commit == c {
		last++
	}
	return fi - first + 1, last - first + 1
}

func short(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	return sha
}

func (m Model) statusLine() string {
	st := m.c.Styles.Diff
	if m.searching {
		return ansi.Truncate(m.input.View(), m.width, "")
	}
	d := m.doc
	total := d.Lines()
	pos := fmt.Sprintf("lines %d–%d of %d", min(m.top+1, total), min(m.top+m.body(), total), total)
	if !d.Done() {
		pos = fmt.Sprintf("lines %d–%d · reading %d%%", min(m.top+1, total), min(m.top+m.body(), total), 100*d.Indexed()/max(1, d.Size()))
	} else if total > 0 {
		pos += fmt.Sprintf(" · %d%%", 100*min(m.top+m.body(), total)/total)
	}
	left := m.status
	if m.err != nil {
		left = m.err.Error()
	}
	if left == "" {
		left = "q back · / search · ]/[ file · }/{ commit"
	}
	gap := m.width - ansi.StringWidth(pos) - 1
	left = ansi.Truncate(left, max(0, gap), "…")
	pad := max(1, m.width-ansi.StringWidth(left)-ansi.StringWidth(pos))
	return st.Status.Render(left + strings.Repeat(" ", pad) + pos)
}

// ShortHelp is the viewer's footer.
func (m Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	return []key.Binding{k.NextFile, k.NextCommit, k.Search, k.NextMatch, k.PageDown, k.Back}
}

// FullHelp is the viewer's help screen.
func (m Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageDown, k.PageUp, k.HalfDown, k.HalfUp},
		{k.Top, k.Bottom, k.Left, k.Right},
		{k.NextFile, k.PrevFile, k.NextCommit, k.PrevCommit},
		{k.Search, k.NextMatch, k.PrevMatch, k.Back},
	}
}
