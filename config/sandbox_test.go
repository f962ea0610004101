package config

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestSandboxIsInTheConfig: the config porthole demo writes says it is a
// sandbox's, so `porthole tui --config` on it shows the SANDBOX badge; a
// production config does not say so.
func TestSandboxIsInTheConfig(t *testing.T) {
	c := DefaultConfig()
	c.Sandbox = true
	data, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "sandbox: true") {
		t.Fatalf("the written config does not say sandbox:\n%s", data)
	}
	back, err := ParseConfig(data)
	if err != nil || !back.Sandbox {
		t.Fatalf("read back: sandbox %v, err %v", back != nil && back.Sandbox, err)
	}
	prod, _ := yaml.Marshal(DefaultConfig())
	if strings.Contains(string(prod), "sandbox") {
		t.Fatalf("a production config mentions sandbox:\n%s", prod)
	}
}
