package diffviewbench

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"porthole/tui/common"
	"porthole/tui/components/diffview"
)

var (
	patchOnce sync.Once
	patchPath string
	patchErr  error
)

// patch is the file under test: $DIFFVIEW_PATCH, or a generated 100,000-line log.
func patch(b *testing.B) (string, int64) {
	b.Helper()
	diffview.Settle = 0 // time the work, not the wait after a frame
	patchOnce.Do(func() {
		if p := os.Getenv("DIFFVIEW_PATCH"); p != "" {
			patchPath = p
			return
		}
		dir, err := os.MkdirTemp("", "diffview-bench-")
		if err != nil {
			patchErr = err
			return
		}
		patchPath = filepath.Join(dir, "log.patch")
		f, err := os.Create(patchPath)
		if err != nil {
			patchErr = err
			return
		}
		defer f.Close()
		patchErr = Generate(f, 100000, 42)
	})
	if patchErr != nil {
		b.Fatal(patchErr)
	}
	fi, err := os.Stat(patchPath)
	if err != nil {
		b.Fatal(err)
	}
	return patchPath, fi.Size()
}

// open opens the file and draws nothing yet; rest is the follow-up work
// (indexing the rest, prefetching highlights) that runs in the background.
func open(b *testing.B, path string, w, h int) (m diffview.Model, rest tea.Cmd) {
	m = diffview.New(common.New())
	m.SetSize(w, h)
	msg := m.Open(path, "bench")()
	m, rest = m.Update(msg)
	if m.Doc() == nil {
		b.Fatal("not opened")
	}
	return m, rest
}

// BenchmarkFirstScreen: open the file, index its first chunk and draw the
// first 80x24 screen (its syntax colours follow in a command, as PageDown's).
func BenchmarkFirstScreen(b *testing.B) {
	path, _ := patch(b)
	for b.Loop() {
		m, _ := open(b, path, 80, 24)
		if m.View() == "" {
			b.Fatal("empty view")
		}
		m.Close()
	}
}

var pgdown = tea.KeyPressMsg{Code: tea.KeyPgDown}

// BenchmarkPageDown: one page-down and redraw on a fully indexed file, with
// the syntax highlighting of the new page left to its background job.
func BenchmarkPageDown(b *testing.B) {
	path, _ := patch(b)
	m, rest := open(b, path, 80, 24)
	m = Settle(m, rest)
	if !m.Doc().Done() {
		b.Fatal("index not complete")
	}
	for b.Loop() {
		m, _ = m.Update(pgdown)
		_ = m.View()
		if m.Top() >= m.Doc().Lines()-22 {
			m, _ = m.Update(tea.KeyPressMsg{Code: 'g', Text: "g"})
		}
	}
	m.Close()
}

// BenchmarkPageDownHighlighted: the same, but also running the new page's
// syntax and word highlighting before drawing (the worst case: nothing
// prefetched).
func BenchmarkPageDownHighlighted(b *testing.B) {
	path, _ := patch(b)
	m, rest := open(b, path, 80, 24)
	m = Settle(m, rest)
	for b.Loop() {
		var cmd tea.Cmd
		m, cmd = m.Update(pgdown)
		if cmd != nil {
			msg := cmd()
			m, _ = m.Update(msg) // exactly one job: this page
		}
		_ = m.View()
		if m.Top() >= m.Doc().Lines()-22 {
			m, _ = m.Update(tea.KeyPressMsg{Code: 'g', Text: "g"})
		}
	}
	m.Close()
}

// BenchmarkMemory reports the heap the viewer holds after indexing the whole
// file and paging through all of it with highlighting, against the file size.
func BenchmarkMemory(b *testing.B) {
	path, size := patch(b)
	var ratio, heapMB float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, rest := open(b, path, 80, 24)
		m = Settle(m, rest)
		for m.Top() < m.Doc().Lines()-22 {
			var cmd tea.Cmd
			m, cmd = m.Update(pgdown)
			m = Settle(m, cmd)
			_ = m.View()
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		held := float64(after.HeapInuse) - float64(before.HeapInuse)
		heapMB = held / (1 << 20)
		ratio = held / float64(size)
		runtime.KeepAlive(m)
		m.Close()
	}
	b.ReportMetric(heapMB, "heap-MB")
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
	b.ReportMetric(ratio, "heap/file")
}
