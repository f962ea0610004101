package runbooks

import (
	"strings"
	"testing"
)

func TestParamValidate(t *testing.T) {
	cases := []struct {
		spec    ParamSpec
		in      string
		want    string
		wantErr string
	}{
		{ParamSpec{Type: ParamWiki}, "enwiki", "enwiki", ""},
		{ParamSpec{Type: ParamWiki}, " zh_min_nanwiki ", "zh_min_nanwiki", ""},
		{ParamSpec{Type: ParamWiki}, "EnWiki", "", "is not a wiki database name"},
		{ParamSpec{Type: ParamWiki}, "-enwiki", "", "is not a wiki database name"},
		{ParamSpec{Type: ParamWikiList}, "enwiki, frwiki enwiki,,dewiki", "enwiki,frwiki,dewiki", ""},
		{ParamSpec{Type: ParamWikiList}, " , ", "", "no wiki given"},
		{ParamSpec{Type: ParamWikiList}, "enwiki,$(id)", "", `"$(id)" is not a wiki database name or dblist name`},
		{ParamSpec{Type: ParamURL}, "https://en.wikipedia.org/static/x.png", "https://en.wikipedia.org/static/x.png", ""},
		{ParamSpec{Type: ParamURL}, "https://user:pw@host/", "", "no user part"},
		{ParamSpec{Type: ParamURL}, "javascript:alert(1)", "", "not an http(s) URL"},
		{ParamSpec{Type: ParamURL}, "https://x/'a'", "", "percent-encoded"},
		{ParamSpec{Type: ParamURLList}, "https://a/x,https://b/y https://a/x", "https://a/x https://b/y", ""},
		{ParamSpec{Type: ParamEnum, Allowed: []string{"stop", "continue"}}, "stop", "stop", ""},
		{ParamSpec{Type: ParamEnum, Allowed: []string{"stop", "continue"}}, "maybe", "", "choose one of: stop, continue"},
		{ParamSpec{Type: ParamInt}, "42", "42", ""},
		{ParamSpec{Type: ParamInt}, "4 2", "", "not a whole number"},
		{ParamSpec{Type: ParamBool}, "Yes", "true", ""},
		{ParamSpec{Type: ParamBool}, "off", "false", ""},
		{ParamSpec{Type: ParamBool}, "maybe", "", "not true or false"},
		{ParamSpec{Type: ParamString}, "a;b", "a;b", ""},
		{ParamSpec{Type: ParamString}, "a\nb", "", "control character"},
		{ParamSpec{Type: ParamString}, "a\x00b", "", "control character"},
		{ParamSpec{Type: ParamString}, "\xff", "", "not valid UTF-8"},
		{ParamSpec{Type: ParamString, Pattern: `[a-z-]+`}, "uca-default", "uca-default", ""},
		{ParamSpec{Type: ParamString, Pattern: `[a-z-]+`, Help: "a collation"}, "uca default", "", `does not match [a-z-]+ (a collation)`},
		{ParamSpec{Type: ParamString}, strings.Repeat("x", maxParamLen+1), "", "the limit is 4096"},
	}
	for _, c := range cases {
		got, err := c.spec.Validate(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s %q: err %v, want %q", c.spec.Type, c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.spec.Type, c.in, got, err, c.want)
		}
	}
}

func TestValidateParamsDefaultsAndRequired(t *testing.T) {
	specs := []ParamSpec{
		{Name: "wiki", Type: ParamWiki, Required: true, Help: "the wiki"},
		{Name: "mode", Type: ParamEnum, Allowed: []string{"a", "b"}, Default: "a"},
		{Name: "note", Type: ParamString},
	}
	_, err := ValidateParams("demo", specs, map[string]string{})
	if err == nil || err.Error() != "demo needs --param wiki=WIKI (the wiki)" {
		t.Fatalf("err %v", err)
	}
	got, err := ValidateParams("demo", specs, map[string]string{"wiki": "enwiki"})
	if err != nil || got["mode"] != "a" || got["note"] != "" || got["wiki"] != "enwiki" {
		t.Fatalf("got %v err %v", got, err)
	}
	_, err = ValidateParams("demo", specs, map[string]string{"wiki": "enwiki", "mdoe": "b"})
	if err == nil || !strings.Contains(err.Error(), `demo has no parameter "mdoe" (its parameters: wiki, mode, note)`) {
		t.Fatalf("err %v", err)
	}
	_, err = ValidateParams("demo", specs, map[string]string{"wiki": "enwiki", "mode": "c"})
	if err == nil || !strings.Contains(err.Error(), "demo: parameter mode:") {
		t.Fatalf("err %v", err)
	}
}

func TestValidateSpecs(t *testing.T) {
	bad := map[string][]ParamSpec{
		"use lower case":          {{Name: "Wiki", Type: ParamWiki}},
		"declared twice":          {{Name: "a", Type: ParamInt}, {Name: "a", Type: ParamInt}},
		"unknown type":            {{Name: "a", Type: "float"}},
		"an enum needs allowed":   {{Name: "a", Type: ParamEnum}},
		"bad pattern":             {{Name: "a", Type: ParamString, Pattern: "("}},
		`default "x": "x" is not`: {{Name: "a", Type: ParamInt, Default: "x"}},
	}
	for want, specs := range bad {
		if err := ValidateSpecs(specs); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: err %v, want %q", specs, err, want)
		}
	}
}
