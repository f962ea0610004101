// Package styles holds the TUI's one Styles value, built from a small
// semantic theme for light or dark terminals. Components read styles from
// here and never build their own in View.
package styles

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Theme is the semantic palette the styles are built from.
type Theme struct {
	Fg, Subtle, Muted, Faint color.Color
	Accent, Success, Warning color.Color
	Danger, Info, Link       color.Color
	SelectedBg, SelectedFg   color.Color
	AddBg, DelBg             color.Color // whole-line diff backgrounds
	AddWordBg, DelWordBg     color.Color // word-level diff highlights
	AddFg, DelFg, HunkFg     color.Color
	BannerBg, BannerFg       color.Color // "NOT PART OF THIS CHANGE"
	SearchBg, SearchFg       color.Color
	SandboxBg, SandboxFg     color.Color
	ChromaStyle              string // chroma style name for syntax colours
}

// NewTheme returns the palette for a dark or light background.
func NewTheme(isDark bool) Theme {
	ld := lipgloss.LightDark(isDark)
	c := lipgloss.Color
	return Theme{
		Fg:          ld(c("#1F1F24"), c("#E6E6EB")),
		Subtle:      ld(c("#55555F"), c("#B4B4C0")),
		Muted:       ld(c("#7A7A85"), c("#8A8A96")),
		Faint:       ld(c("#B8B8C2"), c("#4A4A55")),
		Accent:      ld(c("#5A3FD1"), c("#A393FF")),
		Success:     ld(c("#1E7F3C"), c("#5FD38A")),
		Warning:     ld(c("#9A5B00"), c("#F0B450")),
		Danger:      ld(c("#B3261E"), c("#FF6B6B")),
		Info:        ld(c("#1D5FA8"), c("#74B4FF")),
		Link:        ld(c("#1D5FA8"), c("#8CC4FF")),
		SelectedBg:  ld(c("#DCD6FF"), c("#3A3360")),
		SelectedFg:  ld(c("#1F1F24"), c("#FFFFFF")),
		AddBg:       ld(c("#E6F6EA"), c("#13291B")),
		DelBg:       ld(c("#FBE9E9"), c("#331818")),
		AddWordBg:   ld(c("#B6E8C3"), c("#26583A")),
		DelWordBg:   ld(c("#F4C2C2"), c("#6B2A2A")),
		AddFg:       ld(c("#1E7F3C"), c("#6BD68E")),
		DelFg:       ld(c("#B3261E"), c("#FF7F7F")),
		HunkFg:      ld(c("#1D5FA8"), c("#74B4FF")),
		BannerBg:    ld(c("#B3261E"), c("#C62828")),
		BannerFg:    c("#FFFFFF"),
		SearchBg:    ld(c("#FFE066"), c("#E0B000")),
		SearchFg:    c("#000000"),
		SandboxBg:   ld(c("#9A5B00"), c("#F0B450")),
		SandboxFg:   ld(c("#FFFFFF"), c("#1F1F24")),
		ChromaStyle: map[bool]string{true: "github-dark", false: "github"}[isDark],
	}
}

// Styles is every style the TUI draws with, grouped by the part that uses it.
type Styles struct {
	IsDark bool
	Theme  Theme

	App struct {
		Title, Subtle, Muted, Faint   lipgloss.Style
		Success, Warning, Danger      lipgloss.Style
		Info, Link, Key, Bold         lipgloss.Style
		Error, Section, SectionActive lipgloss.Style
		Sandbox                       lipgloss.Style
	}
	StatusBar struct {
		Base, Title, Badge, Right lipgloss.Style
	}
	Home struct {
		Prompt, Input, Placeholder lipgloss.Style
		Item, Selected, Cursor     lipgloss.Style
		Empty                      lipgloss.Style
	}
	Card struct {
		Box, BoxFocused, Title, Label, Value lipgloss.Style
		Approved, Rejected, Pending          lipgloss.Style
		FileAdd, FileDel, FileMod            lipgloss.Style
	}
	Steps struct {
		Box, Title                                   lipgloss.Style
		Pending, Running, Done, Failed, Skipped      lipgloss.Style
		Current, Irreversible, Host, Command, Detail lipgloss.Style
	}
	Log struct {
		Box, Title, Line, Stderr, Host, Command, Time lipgloss.Style
		NoteInfo, NoteWarn, NoteDanger                lipgloss.Style
		ProgressLabel, BarFull, BarEmpty              lipgloss.Style
	}
	Dialog struct {
		Box, BoxDanger, Title, TitleDanger, Body, Detail lipgloss.Style
		Choice, ChoiceDefault, ChoiceDanger, Hint        lipgloss.Style
		ChoiceDisabled                                   lipgloss.Style // before the dialog takes keys
	}
	Diff struct {
		Header, HeaderExtra, Banner                 lipgloss.Style
		Commit, Meta, Message, FileHeader, Hunk     lipgloss.Style
		Add, Del, Context, AddMarker, DelMarker     lipgloss.Style
		AddWord, DelWord, Search, Gutter, NoNewline lipgloss.Style
		Status                                      lipgloss.Style
	}
	Help struct {
		Box, Title lipgloss.Style
	}
}

// New builds the styles for a dark or light terminal background.
func New(isDark bool) *Styles {
	t := NewTheme(isDark)
	s := &Styles{IsDark: isDark, Theme: t}
	ns := lipgloss.NewStyle
	fg := func(c color.Color) lipgloss.Style { return ns().Foreground(c) }

	s.App.Title = fg(t.Accent).Bold(true)
	s.App.Subtle = fg(t.Subtle)
	s.App.Muted = fg(t.Muted)
	s.App.Faint = fg(t.Faint)
	s.App.Success = fg(t.Success)
	s.App.Warning = fg(t.Warning).Bold(true)
	s.App.Danger = fg(t.Danger).Bold(true)
	s.App.Info = fg(t.Info)
	s.App.Link = fg(t.Link).Underline(true)
	s.App.Key = fg(t.Accent).Bold(true)
	s.App.Bold = ns().Bold(true)
	s.App.Error = fg(t.Danger).Bold(true)
	s.App.Section = fg(t.Subtle).Bold(true)
	s.App.SectionActive = fg(t.Accent).Bold(true).Underline(true)
	s.App.Sandbox = ns().Background(t.SandboxBg).Foreground(t.SandboxFg).Bold(true).Padding(0, 1)

	s.StatusBar.Base = fg(t.Subtle)
	s.StatusBar.Title = fg(t.Accent).Bold(true)
	s.StatusBar.Badge = ns().Background(t.SandboxBg).Foreground(t.SandboxFg).Bold(true).Padding(0, 1)
	s.StatusBar.Right = fg(t.Muted)

	s.Home.Prompt = fg(t.Accent).Bold(true)
	s.Home.Input = fg(t.Fg)
	s.Home.Placeholder = fg(t.Muted)
	s.Home.Item = fg(t.Fg)
	s.Home.Selected = ns().Foreground(t.SelectedFg).Background(t.SelectedBg).Bold(true)
	s.Home.Cursor = fg(t.Accent).Bold(true)
	s.Home.Empty = fg(t.Muted).Italic(true)

	box := ns().Border(lipgloss.RoundedBorder()).BorderForeground(t.Faint).Padding(0, 1)
	s.Card.Box = box
	s.Card.BoxFocused = box.BorderForeground(t.Accent)
	s.Card.Title = fg(t.Fg).Bold(true)
	s.Card.Label = fg(t.Muted)
	s.Card.Value = fg(t.Fg)
	s.Card.Approved = fg(t.Success).Bold(true)
	s.Card.Rejected = fg(t.Danger).Bold(true)
	s.Card.Pending = fg(t.Warning)
	s.Card.FileAdd = fg(t.AddFg)
	s.Card.FileDel = fg(t.DelFg)
	s.Card.FileMod = fg(t.Info)

	s.Steps.Box = box
	s.Steps.Title = fg(t.Subtle).Bold(true)
	s.Steps.Pending = fg(t.Muted)
	s.Steps.Running = fg(t.Accent).Bold(true)
	s.Steps.Done = fg(t.Success)
	s.Steps.Failed = fg(t.Danger).Bold(true)
	s.Steps.Skipped = fg(t.Muted).Strikethrough(true)
	s.Steps.Current = ns().Foreground(t.SelectedFg).Background(t.SelectedBg).Bold(true)
	s.Steps.Irreversible = fg(t.Danger).Bold(true)
	s.Steps.Host = fg(t.Info)
	s.Steps.Command = fg(t.Subtle)
	s.Steps.Detail = fg(t.Muted)

	s.Log.Box = box
	s.Log.Title = fg(t.Subtle).Bold(true)
	s.Log.Line = fg(t.Fg)
	s.Log.Stderr = fg(t.Warning)
	s.Log.Host = fg(t.Info)
	s.Log.Command = fg(t.Accent).Bold(true)
	s.Log.Time = fg(t.Muted)
	s.Log.NoteInfo = fg(t.Info)
	s.Log.NoteWarn = fg(t.Warning).Bold(true)
	s.Log.NoteDanger = fg(t.Danger).Bold(true)
	s.Log.ProgressLabel = fg(t.Subtle)
	s.Log.BarFull = fg(t.Accent)
	s.Log.BarEmpty = fg(t.Faint)

	dialog := ns().Border(lipgloss.RoundedBorder()).BorderForeground(t.Accent).Padding(1, 2)
	s.Dialog.Box = dialog
	s.Dialog.BoxDanger = dialog.Border(lipgloss.ThickBorder()).BorderForeground(t.Danger)
	s.Dialog.Title = fg(t.Accent).Bold(true)
	s.Dialog.TitleDanger = fg(t.Danger).Bold(true)
	s.Dialog.Body = fg(t.Fg)
	s.Dialog.Detail = fg(t.Subtle)
	s.Dialog.Choice = fg(t.Subtle).Padding(0, 1)
	s.Dialog.ChoiceDefault = ns().Foreground(t.SelectedFg).Background(t.SelectedBg).Bold(true).Padding(0, 1)
	s.Dialog.ChoiceDanger = ns().Foreground(t.BannerFg).Background(t.BannerBg).Bold(true).Padding(0, 1)
	s.Dialog.Hint = fg(t.Muted)
	s.Dialog.ChoiceDisabled = fg(t.Muted).Faint(true).Padding(0, 1)

	s.Diff.Header = ns().Foreground(t.Fg).Background(t.SelectedBg).Bold(true)
	s.Diff.HeaderExtra = ns().Foreground(t.BannerFg).Background(t.BannerBg).Bold(true)
	s.Diff.Banner = ns().Foreground(t.BannerFg).Background(t.BannerBg).Bold(true)
	s.Diff.Commit = fg(t.Warning).Bold(true)
	s.Diff.Meta = fg(t.Muted)
	s.Diff.Message = fg(t.Fg)
	s.Diff.FileHeader = fg(t.Accent).Bold(true)
	s.Diff.Hunk = fg(t.HunkFg)
	s.Diff.Add = ns().Background(t.AddBg)
	s.Diff.Del = ns().Background(t.DelBg)
	s.Diff.Context = ns()
	s.Diff.AddMarker = fg(t.AddFg).Background(t.AddBg).Bold(true)
	s.Diff.DelMarker = fg(t.DelFg).Background(t.DelBg).Bold(true)
	s.Diff.AddWord = ns().Background(t.AddWordBg).Underline(true)
	s.Diff.DelWord = ns().Background(t.DelWordBg).Underline(true)
	s.Diff.Search = ns().Background(t.SearchBg).Foreground(t.SearchFg).Bold(true)
	s.Diff.Gutter = fg(t.Faint)
	s.Diff.NoNewline = fg(t.Muted).Italic(true)
	s.Diff.Status = fg(t.Subtle)

	s.Help.Box = dialog
	s.Help.Title = fg(t.Accent).Bold(true)
	return s
}
