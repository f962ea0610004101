// Package keymap declares every key the TUI answers to, as key.Bindings with
// help text, so that the help view and the footer are generated from them.
package keymap

import "charm.land/bubbles/v2/key"

// KeyMap is all of porthole's bindings, grouped by where they apply.
type KeyMap struct {
	// Everywhere.
	Help, Quit, ForceQuit key.Binding

	// Lists and scrolling.
	Up, Down, PageUp, PageDown, HalfUp, HalfDown, Top, Bottom key.Binding
	Left, Right                                               key.Binding

	// Home.
	Add, Remove, NextSection, PrevSection, Open, Abandon key.Binding

	// The running window.
	NextStep, Revert, Diff, Copy, Card, Filter, Focus, Back, Suggest key.Binding

	// Diff viewer.
	NextFile, PrevFile, NextCommit, PrevCommit key.Binding
	Search, NextMatch, PrevMatch               key.Binding

	// Dialogs.
	Yes, No, Accept, Cancel, ChoiceNext, ChoicePrev key.Binding
}

// Default returns porthole's key bindings.
func Default() *KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Help:      b("?", "help", "?"),
		Quit:      b("q", "quit", "q"),
		ForceQuit: b("ctrl+c", "cancel step / quit", "ctrl+c"),

		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup/b", "page up", "pgup", "b", "ctrl+b"),
		PageDown: b("pgdn/space", "page down", "pgdown", "space", "f", "ctrl+f"),
		HalfUp:   b("ctrl+u", "half page up", "ctrl+u", "u"),
		HalfDown: b("ctrl+d", "half page down", "ctrl+d", "d"),
		Top:      b("g/home", "top", "g", "home"),
		Bottom:   b("G/end", "bottom", "G", "end"),
		Left:     b("←/h", "scroll left", "left", "h"),
		Right:    b("→/l", "scroll right", "right", "l"),

		Add:         b("enter", "add change", "enter"),
		Remove:      b("x", "remove", "x", "delete"),
		NextSection: b("tab", "next section", "tab"),
		PrevSection: b("shift+tab", "previous section", "shift+tab"),
		Open:        b("enter", "open", "enter"),
		Abandon:     b("x", "abandon window", "x"),

		NextStep: b("enter", "run next step", "enter"),
		Revert:   b("r", "revert", "r"),
		Diff:     b("d", "view incoming diff", "d"),
		Copy:     b("c/y", "copy SAL text", "c", "y"),
		Card:     b("i", "change info", "i"),
		Filter:   b("f", "filter host", "f"),
		Focus:    b("tab", "steps/log", "tab"),
		Back:     b("esc", "back", "esc"),
		Suggest:  b("s", "run the suggested runbook", "s"),

		NextFile:   b("]", "next file", "]"),
		PrevFile:   b("[", "previous file", "["),
		NextCommit: b("}", "next commit", "}"),
		PrevCommit: b("{", "previous commit", "{"),
		Search:     b("/", "search", "/"),
		NextMatch:  b("n", "next match", "n"),
		PrevMatch:  b("N", "previous match", "N"),

		Yes:        b("y", "yes", "y", "Y"),
		No:         b("n", "no", "n", "N"),
		Accept:     b("enter", "answer the highlighted choice", "enter"),
		Cancel:     b("esc", "hide (answer later)", "esc"),
		ChoiceNext: b("→/tab", "next choice", "right", "tab", "l"),
		ChoicePrev: b("←/shift+tab", "previous choice", "left", "shift+tab", "h"),
	}
}
