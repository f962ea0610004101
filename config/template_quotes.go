package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// keyError is a problem with one config key, so that the loader can say on
// which line of the file the key stands.
type keyError struct {
	key string // dotted, e.g. commands.sync_file
	msg string
}

func (e *keyError) Error() string { return e.key + ": " + e.msg }

// LineError is a config problem located on a line of the file.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// quotedPlaceholder finds the first {name} of a shell command template that
// stands inside '…' or "…": porthole quotes every value itself, so a quoted
// placeholder would put the value back under the shell (a Gerrit subject
// holding $(…) inside "{message}" runs on the host). col is 1-based.
func quotedPlaceholder(tmpl string) (name string, col int, ok bool) {
	var quote byte // 0, '\'' or '"'
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '\\' && quote != '\'':
			i++
			continue
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
			continue
		case quote != 0 && c == quote:
			quote = 0
			continue
		}
		if c != '{' || quote == 0 || (i > 0 && tmpl[i-1] == '$') {
			continue
		}
		if m := placeholderRE.FindStringSubmatchIndex(tmpl[i:]); m != nil && m[0] == 0 {
			return tmpl[i+m[4] : i+m[5]], i + 1, true
		}
	}
	return "", 0, false
}

// checkCommandQuotes refuses a command template with a quoted placeholder.
func checkCommandQuotes(key, tmpl string) error {
	if !strings.HasPrefix(key, "commands.") {
		return nil // sal_format is text, quoted whole as {message}
	}
	if name, col, ok := quotedPlaceholder(tmpl); ok {
		return &keyError{key: key, msg: fmt.Sprintf("{%s} is inside quotes at column %d: write it bare (porthole shell-quotes every value; quoted, a value holding $(…) would run)", name, col)}
	}
	return nil
}

// withLine locates a keyError on its line of the YAML text.
func withLine(data []byte, err error) error {
	var ke *keyError
	if !errors.As(err, &ke) {
		return err
	}
	var root yaml.Node
	if yaml.NewDecoder(bytes.NewReader(data)).Decode(&root) != nil {
		return err
	}
	if n := keyLine(&root, strings.Split(ke.key, ".")); n > 0 {
		return &LineError{Line: n, Err: err}
	}
	return err
}

// keyLine is the line of the value at path in a YAML document, or 0.
func keyLine(n *yaml.Node, path []string) int {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for _, k := range path {
		if n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return 0
		}
		n = next
	}
	return n.Line
}
