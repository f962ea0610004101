package diffview

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tabWidth is how many columns a tab takes in the viewer.
const tabWidth = 4

// displayText makes a line safe and simple to draw: tabs become spaces and
// control characters (an escape sequence hidden in a commit must never reach
// the terminal) become visible placeholders.
func displayText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	col := 0
	for _, r := range s {
		switch {
		case r == '\t':
			n := tabWidth - col%tabWidth
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		case r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		case r == 0x7f:
			b.WriteRune('\u2421') // ␡
		case r < 0x20:
			b.WriteRune('\u2400' + r) // ␛ for ESC, ␀ for NUL, …
		case r >= 0x80 && r < 0xa0, r == '\u200e' || r == '\u200f', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			b.WriteRune('\uFFFD') // C1 controls and bidi overrides (trojan-source)
		default:
			b.WriteRune(r)
		}
		col++
	}
	return b.String()
}

// wordClass groups runes into the tokens word diffs compare.
func wordClass(r rune) int {
	switch {
	case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
		return 1
	case unicode.IsSpace(r):
		return 2
	}
	return 3 // punctuation: one token per rune
}

// tokens cuts text into words, runs of spaces and single punctuation marks,
// returning their byte bounds.
func tokens(s string) [][2]int32 {
	var out [][2]int32
	start, prev := 0, 0
	for i, r := range s {
		c := wordClass(r)
		if i > 0 && (c != prev || c == 3) {
			out = append(out, [2]int32{int32(start), int32(i)})
			start = i
		}
		prev = c
	}
	if len(s) > 0 {
		out = append(out, [2]int32{int32(start), int32(len(s))})
	}
	return out
}

// maxWordTokens bounds word diffs: longer lines are shown without them.
const maxWordTokens = 160

// wordDiff compares a removed and an added line and returns the changed byte
// ranges of each. Nothing is marked when the lines have too little in common
// to be a meaningful pair.
func wordDiff(del, add string) (dels, adds []span) {
	a, b := tokens(del), tokens(add)
	if len(a) == 0 || len(b) == 0 || len(a) > maxWordTokens || len(b) > maxWordTokens {
		return nil, nil
	}
	tok := func(s string, t [2]int32) string { return s[t[0]:t[1]] }
	// LCS table, (len(a)+1) x (len(b)+1), filled from the end.
	w := len(b) + 1
	dp := make([]int16, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if tok(del, a[i]) == tok(add, b[j]) {
				dp[i*w+j] = dp[(i+1)*w+j+1] + 1
			} else {
				dp[i*w+j] = max(dp[(i+1)*w+j], dp[i*w+j+1])
			}
		}
	}
	keepA, keepB := make([]bool, len(a)), make([]bool, len(b))
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case tok(del, a[i]) == tok(add, b[j]):
			keepA[i], keepB[j] = true, true
			common += int(a[i][1] - a[i][0])
			i, j = i+1, j+1
		case dp[(i+1)*w+j] >= dp[i*w+j+1]:
			i++
		default:
			j++
		}
	}
	if 2*common < min(len(del), len(add)) {
		return nil, nil // mostly different: a word diff would be noise
	}
	return changed(a, keepA), changed(b, keepB)
}

// changed merges the tokens not kept into ranges.
func changed(t [][2]int32, keep []bool) []span {
	var out []span
	for i, k := range keep {
		if k {
			continue
		}
		if n := len(out); n > 0 && out[n-1].end == t[i][0] {
			out[n-1].end = t[i][1]
			continue
		}
		out = append(out, span{start: t[i][0], end: t[i][1], style: 1})
	}
	return out
}
