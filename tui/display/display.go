// Package display runs a full-screen Bubble Tea program on a real terminal and
// draws every new view as soon as the model has produced it, writing only the
// lines that changed.
//
// Bubble Tea's own renderer writes frames on a ticker (at most 120 a second,
// so a key waits up to 8.3 ms before it shows) and re-parses every frame into
// cells (about 3 ms per full 80x24 frame on a loaded 2-core machine); its
// colour detection runs `tmux info` inside tmux (15-35 ms before the first
// frame). Here the program runs without Bubble Tea's renderer: each view is
// drawn right after the Update that made it, before the commands that
// Update returned start (a burst of views is drawn at most every 2 ms, the
// latest one winning), and the colour profile is taken from the
// environment, terminfo's answer (read after the first frame) and tmux's
// (asked 0.3 s after the start) upgrading it later. (porthole's lipgloss
// does not ask tmux or terminfo at its package init: internal/forks.)
package display

import (
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
)

// Usable tells whether in and out are the terminal the display can drive.
func Usable(in, out *os.File) bool {
	return in != nil && out != nil && term.IsTerminal(in.Fd()) && term.IsTerminal(out.Fd())
}

// Run runs m full screen (alternate screen, hidden cursor) on the terminal in
// and out until it quits, and returns its final model. m gets a
// tea.WindowSizeMsg, and its view is drawn, before Bubble Tea starts and
// calls Init. opts are passed to Bubble Tea (a context, …); the renderer,
// input, output, size and colour profile are the display's.
func Run(m tea.Model, in, out *os.File, opts ...tea.ProgramOption) (tea.Model, error) {
	if !Usable(in, out) {
		return m, errors.New("display: input and output must be a terminal")
	}
	state, err := term.MakeRaw(in.Fd())
	if err != nil {
		return m, err
	}
	defer func() { _ = term.Restore(in.Fd(), state) }()
	w, h, err := term.GetSize(out.Fd())
	if err != nil {
		return m, err
	}
	env := os.Environ()
	profile := colorprofile.Env(env) // what the environment promises; terminfo and tmux are asked after the first frame (watch)
	r := newRenderer(out, newCanvas(w, h, profile))
	defer r.stop()
	// The first frame goes out before Bubble Tea starts (its goroutines and
	// threads cost tens of ms on a loaded machine): the model learns its
	// size first, and the command that gives runs after Init's.
	m, sized := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	r.render(m.View())

	opts = append(opts, tea.WithoutRenderer(), tea.WithInput(in), tea.WithOutput(out),
		tea.WithColorProfile(profile), tea.WithWindowSize(w, h), tea.WithEnvironment(env))
	p := tea.NewProgram(program{m: m, r: r, sized: sized}, opts...)
	r.send = p.Send
	stop := watch(p, r, out, env, profile)
	defer stop()
	final, err := p.Run()
	if pm, ok := final.(program); ok {
		return pm.m, err
	}
	return m, err
}

// tmuxAsk is when tmux is asked whether it shows true colour.
const tmuxAsk = 300 * time.Millisecond

// watch forwards terminal resizes to the program and upgrades the colour
// profile when terminfo (read at once, after the first frame) or tmux
// (asked after tmuxAsk) says the terminal shows more colours.
func watch(p *tea.Program, r *renderer, out *os.File, env []string, profile colorprofile.Profile) (stop func()) {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-winch:
				if w, h, err := term.GetSize(out.Fd()); err == nil {
					r.resize(w, h)
					go p.Send(tea.WindowSizeMsg{Width: w, Height: h})
				}
			}
		}
	}()
	go func() {
		defer wg.Done()
		upgrade := func(better colorprofile.Profile) {
			if better <= profile || better == colorprofile.NoTTY {
				return
			}
			profile = better
			r.setProfile(better)
			select {
			case <-done:
			default:
				go p.Send(tea.ColorProfileMsg{Profile: better})
			}
		}
		upgrade(terminfoProfile(env)) // off the first screen's path: a file to find and read
		select {                      // and a process, and a request to the tmux server drawing it
		case <-time.After(tmuxAsk):
		case <-done:
			return
		}
		upgrade(colorprofile.Tmux(env))
	}()
	return func() {
		signal.Stop(winch)
		close(done)
		wg.Wait()
	}
}

// terminfoProfile is what terminfo says of $TERM (true colour when it has
// Tc or RGB).
func terminfoProfile(env []string) colorprofile.Profile {
	for _, kv := range env {
		if len(kv) > 5 && kv[:5] == "TERM=" {
			return colorprofile.Terminfo(kv[5:])
		}
	}
	return colorprofile.NoTTY
}

// program wraps the model: every view it makes goes to the renderer.
type program struct {
	m     tea.Model
	r     *renderer
	sized tea.Cmd // what the model asked for when it learnt its size, before Init
}

// Init starts the model and shows its view.
func (p program) Init() tea.Cmd {
	cmd := p.m.Init()
	p.r.render(p.m.View())
	return tea.Batch(cmd, p.sized)
}

// Update runs the model and hands its new view to the renderer.
func (p program) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(redrawMsg); ok {
		p.r.redraw()
		return p, nil
	}
	var cmd tea.Cmd
	p.m, cmd = p.m.Update(msg)
	p.r.render(p.m.View())
	return p, cmd
}

// View is empty: Bubble Tea's renderer is off, the display draws.
func (p program) View() tea.View { return tea.View{} }
