package maint

import (
	"fmt"
	"strings"

	"porthole/remote"
	"porthole/runbooks"
)

// Command templates (YAML runbooks) are shell command lines with placeholders:
//
//	{name}          the parameter's value, shell-quoted as one word
//	{name?PREFIX}   for a bool: PREFIX when true, nothing when false;
//	                otherwise PREFIX+value as one quoted word when the value
//	                is not empty, nothing when it is (e.g. {ns?--namespace=});
//	                for a URL list, PREFIX+URL for each URL
//
// Placeholders must stand outside quotes: porthole does the quoting, so
// "{x}" or '{x}' would be wrong and are refused. ${VAR} is left to the shell.

// placeholder is one {…} found in a template.
type tmplRef struct {
	Name   string
	Prefix string
	Cond   bool // {name?PREFIX}
}

// scanTemplate walks a template and calls sub for every placeholder, building
// the output from the literal text and sub's results.
func scanTemplate(tmpl string, sub func(r tmplRef) (string, error)) (string, error) {
	var b strings.Builder
	const (
		plain = iota
		single
		double
	)
	state := plain
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch state {
		case single:
			if c == '\'' {
				state = plain
			}
		case double:
			switch c {
			case '\\':
				if i+1 < len(tmpl) {
					b.WriteByte(c)
					i++
					c = tmpl[i]
				}
			case '"':
				state = plain
			}
		default:
			switch c {
			case '\\':
				if i+1 < len(tmpl) {
					b.WriteByte(c)
					i++
					c = tmpl[i]
				}
			case '\'':
				state = single
			case '"':
				state = double
			}
		}
		if c == '{' && (i == 0 || tmpl[i-1] != '$') {
			if r, n, ok := parseRef(tmpl[i:]); ok {
				if state != plain {
					return "", fmt.Errorf("{%s} is inside quotes at column %d: write it bare, porthole quotes every value", r.Name, i+1)
				}
				if i > 0 && tmpl[i-1] == '\\' {
					return "", fmt.Errorf("{%s} follows a backslash at column %d", r.Name, i+1)
				}
				s, err := sub(r)
				if err != nil {
					return "", err
				}
				b.WriteString(s)
				i += n - 1
				continue
			}
		}
		b.WriteByte(c)
	}
	if state != plain {
		return "", fmt.Errorf("unterminated quote in command template")
	}
	return b.String(), nil
}

// parseRef reads {name} or {name?prefix} at the start of s.
func parseRef(s string) (tmplRef, int, bool) {
	end := strings.IndexByte(s, '}')
	if end < 2 {
		return tmplRef{}, 0, false
	}
	body := s[1:end]
	name, prefix, cond := strings.Cut(body, "?")
	if !runbooks.IsParamName(name) {
		return tmplRef{}, 0, false
	}
	if cond && strings.ContainsAny(prefix, "{'\"\\ \t\n") {
		return tmplRef{}, 0, false
	}
	return tmplRef{Name: name, Prefix: prefix, Cond: cond}, end + 1, true
}

// templateRefs lists the parameters a template uses and checks that each is declared.
func templateRefs(tmpl string, specs []runbooks.ParamSpec) ([]string, error) {
	byName := map[string]runbooks.ParamSpec{}
	for _, s := range specs {
		byName[s.Name] = s
	}
	var names []string
	seen := map[string]bool{}
	_, err := scanTemplate(tmpl, func(r tmplRef) (string, error) {
		if _, ok := byName[r.Name]; !ok {
			return "", fmt.Errorf("{%s} is not a declared parameter (declared: %s)", r.Name, runbooks.SpecNames(specs))
		}
		if !seen[r.Name] {
			seen[r.Name] = true
			names = append(names, r.Name)
		}
		return "", nil
	})
	return names, err
}

// expandTemplate substitutes validated values into tmpl, each through remote.Quote.
func expandTemplate(tmpl string, specs []runbooks.ParamSpec, vals map[string]string) (string, error) {
	byName := map[string]runbooks.ParamSpec{}
	for _, s := range specs {
		byName[s.Name] = s
	}
	return scanTemplate(tmpl, func(r tmplRef) (string, error) {
		s, ok := byName[r.Name]
		if !ok {
			return "", fmt.Errorf("{%s} is not a declared parameter (declared: %s)", r.Name, runbooks.SpecNames(specs))
		}
		v := vals[r.Name]
		if r.Cond {
			if s.Type == runbooks.ParamBool {
				if v == "true" {
					return remote.Quote(r.Prefix), nil
				}
				return "", nil
			}
			if v == "" {
				return "", nil
			}
			if s.Type == runbooks.ParamURLList {
				var words []string
				for _, u := range strings.Fields(v) {
					words = append(words, r.Prefix+u)
				}
				return remote.QuoteAll(words...), nil
			}
			return remote.Quote(r.Prefix + v), nil
		}
		if v == "" {
			return "", fmt.Errorf("parameter %s is empty but the command needs it: give --param %s=… (or write {%s?PREFIX} for an optional one)", r.Name, r.Name, r.Name)
		}
		if s.Type == runbooks.ParamURLList {
			return remote.QuoteAll(strings.Fields(v)...), nil
		}
		return remote.Quote(v), nil
	})
}
