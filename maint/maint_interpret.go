package maint

import (
	"fmt"
	"regexp"
	"strings"

	"porthole/internal/lazyre"
	"porthole/remote"
)

// Outcome is how a maintenance script's run is read: its exit code alone is
// not enough (namespaceDupes exits 0 after "Oh noeees"; LoggedUpdate-style
// dry runs exit non-zero after doing exactly what was asked).
type Outcome struct {
	OK bool
	// NothingToDo: a dry run found nothing for the real run to do.
	NothingToDo bool
	// Summary is one line for notes and the final tally: "2 pages to fix, 2 were resolvable".
	Summary string
}

// Interpreter reads a finished run: its result (exit code) and its output
// (the head and tail of stdout+stderr).
type Interpreter func(res remote.Result, output string) Outcome

// exitText describes a non-zero exit the way a deployer needs it.
func exitText(code int) string {
	switch {
	case code == -1:
		return "did not finish"
	case code == 42:
		return "exit 42: mwscript gave up waiting for the service mesh; retry, or run with MESH_CHECK_SKIP=1"
	case code > 128 && code <= 128+64:
		return fmt.Sprintf("exit %d: killed by signal %d", code, code-128)
	}
	return fmt.Sprintf("exit %d", code)
}

// fatalLine finds the line that explains a crash (PHP fatal, exception, Maintenance::fatalError).
var fatalRe = lazyre.New(`(?m)^.*(?:Fatal error|PHP Fatal|Exception|Error:|error:|Wikimedia\\Rdbms\\DBQueryError).*$`)

func fatalLine(output string) string {
	m := fatalRe.FindAllString(output, -1)
	if len(m) == 0 {
		return lastLine(output)
	}
	return clip(strings.TrimSpace(m[len(m)-1]), 160)
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n ")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return clip(strings.TrimSpace(s), 160)
}

// lineWith is the first line of output that contains sub, or "".
func lineWith(output, sub string) string {
	i := strings.Index(output, sub)
	if i < 0 {
		return ""
	}
	start := strings.LastIndexByte(output[:i], '\n') + 1
	end := strings.IndexByte(output[i:], '\n')
	if end < 0 {
		end = len(output) - i
	}
	return clip(strings.TrimSpace(output[start:i+end]), 160)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func failed(res remote.Result, output, why string) Outcome {
	s := exitText(res.ExitCode)
	if why != "" {
		s += ": " + why
	} else if l := fatalLine(output); l != "" {
		s += ": " + l
	}
	return Outcome{Summary: s}
}

var (
	ndPagesRe = lazyre.New(`(?m)^(\d+) pages to fix, (\d+) were resolvable\.`)
	ndLinksRe = lazyre.New(`(?m)^(\d+) links to fix, (\d+) were resolvable, (\d+) were deleted\.`)
)

// interpretNamespaceDupes: success is its "Looks good!" line, failure its
// "Oh noeees"; the exit code is 0 either way.
func interpretNamespaceDupes(res remote.Result, output string) Outcome {
	var parts []string
	if m := ndPagesRe.FindStringSubmatch(output); m != nil {
		parts = append(parts, m[0][:len(m[0])-1])
	}
	if m := ndLinksRe.FindStringSubmatch(output); m != nil {
		parts = append(parts, m[0][:len(m[0])-1])
	}
	sum := strings.Join(parts, "; ")
	good := strings.Contains(output, "\nLooks good!") || strings.HasPrefix(output, "Looks good!")
	bad := strings.Contains(output, "Oh noeees")
	switch {
	case bad:
		why := "Oh noeees"
		if n := strings.Count(output, " *** "); n > 0 {
			why = fmt.Sprintf("Oh noeees — %d page(s) cannot be fixed automatically (see the *** lines)", n)
		}
		if sum != "" {
			why = sum + "; " + why
		}
		return Outcome{Summary: why}
	case good && res.ExitCode == 0:
		if sum == "" {
			sum = "Looks good!"
		} else {
			sum += " — Looks good!"
		}
		nothing := ndPagesRe.MatchString(output) && strings.HasPrefix(ndPagesRe.FindString(output), "0 pages") &&
			(!ndLinksRe.MatchString(output) || strings.HasPrefix(ndLinksRe.FindString(output), "0 links"))
		return Outcome{OK: true, NothingToDo: nothing, Summary: sum}
	case good:
		return failed(res, output, "printed Looks good! but exited non-zero")
	}
	if res.ExitCode != 0 {
		return failed(res, output, "")
	}
	return Outcome{Summary: "neither Looks good! nor Oh noeees in its output: read it before going on"}
}

var (
	ucWouldRe = lazyre.New(`(?m)^(\d+) rows would be updated\.`)
	ucFixRe   = lazyre.New(`(?m)^Fixing collation for (\d+) rows\.`)
	ucDoneRe  = lazyre.New(`(?m)(\d+) rows processed`)
)

// interpretUpdateCollationDry reads `updateCollation.php --dry-run`: what it
// printed decides, since dry runs of update scripts may exit non-zero.
func interpretUpdateCollationDry(res remote.Result, output string) Outcome {
	if strings.Contains(output, "Collations up-to-date.") {
		return Outcome{OK: true, NothingToDo: true, Summary: "Collations up-to-date. (no rows with that previous collation: is --previous-collation right?)"}
	}
	if m := ucWouldRe.FindStringSubmatch(output); m != nil && !fatalRe.MatchString(output) {
		s := m[0][:len(m[0])-1]
		if res.ExitCode != 0 {
			s += fmt.Sprintf(" (dry run exited %d, as update scripts' dry runs may)", res.ExitCode)
		}
		return Outcome{OK: true, Summary: s}
	}
	return failed(res, output, "")
}

// interpretUpdateCollation reads the real run: exit 0 and its final tally.
func interpretUpdateCollation(res remote.Result, output string) Outcome {
	if res.ExitCode != 0 {
		return failed(res, output, "")
	}
	if strings.Contains(output, "Collations up-to-date.") {
		return Outcome{OK: true, NothingToDo: true, Summary: "Collations up-to-date."}
	}
	if m := ucDoneRe.FindStringSubmatch(output); m != nil {
		s := m[0]
		if f := ucFixRe.FindStringSubmatch(output); f != nil {
			s = f[0] + " " + s
		}
		return Outcome{OK: true, Summary: s}
	}
	return failed(res, output, "no \"rows processed\" line: it did not finish")
}

var purgeRe = lazyre.New(`(?m)^Purging (\d+) urls`)

// interpretPurgeList wants exit 0, "Done!" and as many URLs purged as were given.
func interpretPurgeList(want int) Interpreter {
	return func(res remote.Result, output string) Outcome {
		if res.ExitCode != 0 {
			return failed(res, output, "")
		}
		m := purgeRe.FindStringSubmatch(output)
		if m == nil || !strings.Contains(output, "Done!") {
			return failed(res, output, "no \"Purging N urls\" and \"Done!\" in its output")
		}
		if want > 0 && m[1] != fmt.Sprint(want) {
			return failed(res, output, fmt.Sprintf("it purged %s URLs, not the %d given", m[1], want))
		}
		return Outcome{OK: true, Summary: "Purging " + m[1] + " urls — Done!"}
	}
}

// interpretCreateExtensionTables: "not configured to create tables" is a
// failure even when the script exits 0; success ends with "done!".
func interpretCreateExtensionTables(res remote.Result, output string) Outcome {
	if l := lineWith(output, "This script is not configured to create tables for"); l != "" {
		return failed(res, output, l)
	}
	if res.ExitCode != 0 {
		return failed(res, output, "")
	}
	if strings.Contains(output, "done!") {
		return Outcome{OK: true, Summary: lastLine(output)}
	}
	return failed(res, output, "no \"done!\" in its output: it did not finish")
}

// patternInterpreter is the YAML runbooks' interpretation: ok exit codes plus
// optional success and failure regexps (failure wins).
func patternInterpreter(okCodes []int, success, failure *regexp.Regexp) Interpreter {
	return func(res remote.Result, output string) Outcome {
		if failure != nil {
			if m := failure.FindString(output); m != "" {
				return failed(res, output, "matched failure pattern: "+clip(strings.TrimSpace(m), 120))
			}
		}
		codeOK := false
		for _, c := range okCodes {
			if res.ExitCode == c {
				codeOK = true
			}
		}
		if !codeOK {
			return failed(res, output, "")
		}
		if success != nil {
			m := success.FindString(output)
			if m == "" {
				return failed(res, output, "success pattern "+success.String()+" not found in its output")
			}
			return Outcome{OK: true, Summary: clip(strings.TrimSpace(m), 120)}
		}
		return Outcome{OK: true, Summary: lastLine(output)}
	}
}
