// Package diffview is the viewer for `git log -p HEAD..@{u}`: it indexes the
// patch file lazily, draws only the lines on screen with chroma syntax colours
// and word-level highlights, jumps between files and commits, searches, and
// marks incoming commits that do not belong to the change being deployed.
package diffview

import (
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

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

// Open starts loading a patch file; the returned command opens it and
// indexes its first chunk off the UI goroutine. The first screen is drawn
// with the diff's colours as soon as it is read; its syntax colours follow
// from the command that OpenedMsg's update returns (the first use of chroma
// in a process costs 6-20 ms).
func (m *Model) Open(path, title string) tea.Cmd {
	m.reset()
	m.gen = generation.Add(1)
	m.path, m.title = path, title
	gen := m.gen
	return func() tea.Msg {
		doc, err := Open(path)
		if err != nil {
			return OpenedMsg{gen: gen, Err: err}
		}
		return OpenedMsg{gen: gen, doc: doc}
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
		return m, tea.Batch(m.sync(), m.indexCmd(Settle))
	case indexedMsg:
		if msg.gen != m.gen || m.doc == nil {
			return m, nil
		}
		_ = m.doc.apply(msg.c)
		return m, tea.Batch(m.sync(), m.indexCmd(0))
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

// indexCmd scans the next chunk of the file, after wait.
func (m *Model) indexCmd(wait time.Duration) tea.Cmd {
	if m.doc == nil || m.doc.Done() {
		return nil
	}
	r, size, st, gen := m.doc.r, m.doc.size, m.doc.st, m.gen
	return func() tea.Msg {
		time.Sleep(wait)
		return indexedMsg{gen: gen, c: scan(r, size, st, chunkSize)}
	}
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
