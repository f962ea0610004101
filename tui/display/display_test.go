package display

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"
)

// openPTY allocates a pseudo-terminal pair of the given size.
func openPTY(t *testing.T, cols, rows uint16) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skip("no pseudo-terminals here:", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.FormatUint(uint64(n), 10), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close(); tty.Close() })
	return master, tty
}

// counter counts "+" presses; q quits.
type counter struct {
	n    int
	w, h int
}

func (c counter) Init() tea.Cmd { return nil }

func (c counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.w, c.h = msg.Width, msg.Height
	case tea.KeyPressMsg:
		switch msg.String() {
		case "+":
			c.n++
		case "q":
			return c, tea.Quit
		}
	}
	return c, nil
}

func (c counter) View() tea.View {
	v := tea.NewView(fmt.Sprintf("count %d\nsize %dx%d", c.n, c.w, c.h))
	v.AltScreen, v.WindowTitle = true, "counter"
	return v
}

// output collects what the program writes to the terminal.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// collect reads everything written to the terminal whose master side is
// master, until it is closed.
func collect(master *os.File) *output {
	out := &output{}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			out.mu.Lock()
			out.buf.Write(b[:n])
			out.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return out
}

func (o *output) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		o.mu.Lock()
		ok := strings.Contains(o.buf.String(), s)
		o.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	t.Fatalf("%q never written; got %q", s, o.buf.String())
}

func TestRunDrawsEachViewAndRestoresTheTerminal(t *testing.T) {
	master, tty := openPTY(t, 30, 4)
	before, err := term.GetState(tty.Fd())
	if err != nil {
		t.Fatal(err)
	}
	out := collect(master)
	type result struct {
		m   tea.Model
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := Run(counter{}, tty, tty)
		done <- result{m, err}
	}()
	out.waitFor(t, enter)
	out.waitFor(t, "size 30x4")
	out.waitFor(t, "\x1b]2;counter\a")
	if _, err := master.WriteString("+"); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, "\x1b[1;1H\x1b[mcount 1\x1b[m\x1b[K")
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: 40, Row: 6}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, "size 40x6")
	if _, err := master.WriteString("q"); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after q")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if c, ok := r.m.(counter); !ok || c.n != 1 {
		t.Errorf("final model %#v, want the counter at 1", r.m)
	}
	out.waitFor(t, leave)
	after, err := term.GetState(tty.Fd())
	if err != nil {
		t.Fatal(err)
	}
	if *after != *before {
		t.Error("the terminal was not restored out of raw mode")
	}
}

func TestRunRefusesWhatIsNotATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(counter{}, f, f); err == nil {
		t.Error("Run accepted a file as a terminal")
	}
}

// swatch shows one true-colour word; q quits.
type swatch struct{}

func (swatch) Init() tea.Cmd { return nil }

func (s swatch) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "q" {
		return s, tea.Quit
	}
	return s, nil
}

func (swatch) View() tea.View { return tea.NewView("\x1b[38;2;1;2;3mswatch\x1b[m") }

// TestTerminfoUpgradesTheProfileAfterTheFirstFrame: the first frame is
// drawn in the colours the environment promises (a TERM name it does not
// know: 16), without reading terminfo first; terminfo, read after it, says
// the terminal shows true colour (the entry is xterm-direct's, with its RGB
// capability), and the screen is drawn again in it.
func TestTerminfoUpgradesTheProfileAfterTheFirstFrame(t *testing.T) {
	entry, err := os.ReadFile("/lib/terminfo/x/xterm-direct")
	if err != nil {
		if entry, err = os.ReadFile("/usr/share/terminfo/x/xterm-direct"); err != nil {
			t.Skip("no xterm-direct terminfo entry: apt-get install ncurses-base")
		}
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "p"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p", "pt-rgb"), entry, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TERMINFO", dir)
	t.Setenv("TERM", "pt-rgb")
	t.Setenv("COLORTERM", "")
	t.Setenv("TMUX", "")
	if p := colorprofile.Env(os.Environ()); p == colorprofile.TrueColor {
		t.Fatalf("the environment alone promises %v", p)
	}
	if p := terminfoProfile(os.Environ()); p != colorprofile.TrueColor {
		t.Fatalf("terminfo says %v for xterm-direct's entry", p)
	}
	master, tty := openPTY(t, 30, 4)
	out := collect(master)
	done := make(chan error, 1)
	go func() {
		_, err := Run(swatch{}, tty, tty)
		done <- err
	}()
	out.waitFor(t, "swatch")
	out.waitFor(t, "\x1b[38;2;1;2;3mswatch")
	out.mu.Lock()
	first := out.buf.String()[:strings.Index(out.buf.String(), "swatch")]
	out.mu.Unlock()
	if strings.Contains(first, "38;2;") {
		t.Errorf("the first frame was drawn in true colour before terminfo was read: %q", first)
	}
	if _, err := master.WriteString("q"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after q")
	}
}
