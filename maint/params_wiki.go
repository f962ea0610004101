package maint

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"porthole/remote"
	"porthole/runbooks"
)

// errNoDblist: the named dblist file does not exist on the host.
var errNoDblist = errors.New("no such dblist")

// dblists reads dblist files (one wiki database name a line, # comments)
// from the configured host, read-only, each file once.
type dblists struct {
	ex    remote.Executor
	dir   string
	cache map[string][]string
}

func newDblists(env *runbooks.Env) (*dblists, error) {
	if env == nil || env.Hosts == nil {
		return nil, fmt.Errorf("cannot check wiki names: no hosts are configured (set hosts.%s in the config)", env.MaintConfig().EffectiveDblistRole())
	}
	mc := env.MaintConfig()
	ex, err := env.Hosts.One(mc.EffectiveDblistRole())
	if err != nil {
		return nil, fmt.Errorf("cannot check wiki names against the dblists: %w", err)
	}
	return &dblists{ex: ex, dir: mc.EffectiveDblistDir(env.Cfg()), cache: map[string][]string{}}, nil
}

// read returns the wikis of dblists/<name>.dblist, or errNoDblist.
func (d *dblists) read(ctx context.Context, name string) ([]string, error) {
	if ws, ok := d.cache[name]; ok {
		return ws, nil
	}
	file := path.Join(d.dir, name+".dblist")
	q := remote.Quote(file)
	res, err := d.ex.Run(ctx, remote.Command{Cmd: "if [ -f " + q + " ]; then cat -- " + q + "; else exit 3; fi", Keep: true})
	if err != nil {
		return nil, fmt.Errorf("reading %s on %s: %w", file, d.ex.Host(), err)
	}
	if res.ExitCode == 3 {
		d.cache[name] = nil
		return nil, errNoDblist
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("reading %s on %s: exit %d: %s", file, d.ex.Host(), res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	var ws []string
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		line = strings.TrimSpace(line)
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "%%") {
			return nil, fmt.Errorf("%s on %s is a dblist expression (%s), which porthole does not evaluate: list the wikis instead", file, d.ex.Host(), line)
		}
		if !runbooks.IsWikiName(line) {
			return nil, fmt.Errorf("%s on %s has a line that is not a wiki name: %q", file, d.ex.Host(), line)
		}
		ws = append(ws, line)
	}
	d.cache[name] = ws
	return ws, nil
}

// checkWikis checks every wiki and wikilist value of vals against all.dblist
// and expands dblist names in wikilists into their wikis, in place.
func checkWikis(ctx context.Context, env *runbooks.Env, kind string, specs []runbooks.ParamSpec, vals map[string]string) error {
	need := false
	for _, s := range specs {
		if (s.Type == runbooks.ParamWiki || s.Type == runbooks.ParamWikiList) && vals[s.Name] != "" {
			need = true
		}
	}
	if !need {
		return nil
	}
	d, err := newDblists(env)
	if err != nil {
		return err
	}
	all, err := d.read(ctx, "all")
	if errors.Is(err, errNoDblist) {
		return fmt.Errorf("cannot check wiki names: %s is missing on %s (set maintenance.dblist_dir in the config)", path.Join(d.dir, "all.dblist"), d.ex.Host())
	}
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(all))
	for _, w := range all {
		known[w] = true
	}
	for _, s := range specs {
		v := vals[s.Name]
		if v == "" {
			continue
		}
		switch s.Type {
		case runbooks.ParamWiki:
			if !known[v] {
				return &runbooks.ParamError{Err: fmt.Errorf("%s: %s is not in all.dblist%s", kind, v, didYouMean(v, all))}
			}
		case runbooks.ParamWikiList:
			var out []string
			seen := map[string]bool{}
			add := func(w string) {
				if !seen[w] {
					seen[w] = true
					out = append(out, w)
				}
			}
			for _, w := range strings.Split(v, ",") {
				if known[w] {
					add(w)
					continue
				}
				ws, err := d.read(ctx, w)
				if errors.Is(err, errNoDblist) {
					return &runbooks.ParamError{Err: fmt.Errorf("%s: %s is not in all.dblist and is not a dblist%s", kind, w, didYouMean(w, all))}
				}
				if err != nil {
					return err
				}
				if len(ws) == 0 {
					return fmt.Errorf("%s: dblist %s is empty", kind, w)
				}
				for _, x := range ws {
					if !known[x] {
						return &runbooks.ParamError{Err: fmt.Errorf("%s: dblist %s names %s, which is not in all.dblist", kind, w, x)}
					}
					add(x)
				}
			}
			vals[s.Name] = strings.Join(out, ",")
		}
	}
	return nil
}

// didYouMean suggests the closest known names (edit distance at most 2).
func didYouMean(v string, names []string) string {
	best, bestD := []string(nil), 3
	for _, n := range names {
		d := editDistance(v, n, 3)
		switch {
		case d < bestD:
			best, bestD = []string{n}, d
		case d == bestD && d < 3 && len(best) < 3:
			best = append(best, n)
		}
	}
	if len(best) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(best, " or ") + "?"
}

// editDistance is the Levenshtein distance of a and b, or max when it is
// at least max (it stops early).
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d >= max || -d >= max {
		return max
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			if x := prev[j] + 1; x < c {
				c = x
			}
			if x := cur[j-1] + 1; x < c {
				c = x
			}
			cur[j] = c
			if c < rowMin {
				rowMin = c
			}
		}
		if rowMin >= max {
			return max
		}
		prev, cur = cur, prev
	}
	if prev[len(b)] > max {
		return max
	}
	return prev[len(b)]
}
