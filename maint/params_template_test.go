package maint

import (
	"strings"
	"testing"

	"porthole/runbooks"
)

func TestTemplates(t *testing.T) {
	specs := []runbooks.ParamSpec{
		{Name: "wiki", Type: runbooks.ParamWiki}, {Name: "title", Type: runbooks.ParamString}, {Name: "fix", Type: runbooks.ParamBool},
		{Name: "ns", Type: runbooks.ParamInt}, {Name: "urls", Type: runbooks.ParamURLList},
	}
	vals := map[string]string{"wiki": "enwiki", "title": "Main Page's", "fix": "true", "ns": "", "urls": "https://a/x https://b/y"}
	cases := []struct{ tmpl, want, err string }{
		{"mwscript x.php --wiki={wiki} {title}", `mwscript x.php --wiki=enwiki 'Main Page'\''s'`, ""},
		{"mwscript x.php {fix?--fix} {ns?--namespace=}", "mwscript x.php --fix ", ""},
		{"printf '%s\\n' {urls} | mwscript purgeList.php", "printf '%s\\n' https://a/x https://b/y | mwscript purgeList.php", ""},
		{"x {urls?--url=}", "x --url=https://a/x --url=https://b/y", ""},
		{"echo ${HOME} {wiki}", "echo ${HOME} enwiki", ""},
		{"for w in a b; do { echo $w; }; done", "for w in a b; do { echo $w; }; done", ""},
		{`echo "{wiki}"`, "", "inside quotes"},
		{`echo '{wiki}'`, "", "inside quotes"},
		{`echo \{wiki}`, "", "follows a backslash"},
		{"echo {nope}", "", "{nope} is not a declared parameter"},
		{"echo {ns}", "", "parameter ns is empty"},
		{`echo "unterminated`, "", "unterminated quote"},
	}
	for _, c := range cases {
		got, err := expandTemplate(c.tmpl, specs, vals)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.tmpl, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: got %q, %v; want %q", c.tmpl, got, err, c.want)
		}
	}
	refs, err := templateRefs("a {wiki} {fix?--fix} {wiki}", specs)
	if err != nil || strings.Join(refs, ",") != "wiki,fix" {
		t.Fatalf("refs %v %v", refs, err)
	}
}

func TestDidYouMean(t *testing.T) {
	names := []string{"enwiki", "dewiki", "enwikibooks", "frwiki"}
	if got := didYouMean("enwikii", names); got != "; did you mean enwiki?" {
		t.Fatalf("%q", got)
	}
	if got := didYouMean("zzzzzz", names); got != "" {
		t.Fatalf("%q", got)
	}
	if got := editDistance("kitten", "sitting", 10); got != 3 {
		t.Fatalf("distance %d", got)
	}
}
