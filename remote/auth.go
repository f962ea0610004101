package remote

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// keyring parses each private key file once and keeps the agent connection,
// for every host of a pool.
type keyring struct {
	mu      sync.Mutex
	keys    map[string]keyEntry
	agentMu sync.Mutex
	agent   agent.ExtendedAgent
	agentOK bool // dialled (agent may still be nil when unavailable)
}

type keyEntry struct {
	signer ssh.Signer
	pub    ssh.PublicKey // for a passphrase-protected key whose public half is known
	err    error         // why the file gave no signer (nil: the file is missing)
}

// load returns the parsed key at path (cached).
func (k *keyring) load(path string) keyEntry {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[string]keyEntry{}
	}
	if e, ok := k.keys[path]; ok {
		return e
	}
	var e keyEntry
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		e.err = err
	default:
		s, err := ssh.ParsePrivateKey(data)
		var pm *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &pm):
			e.pub = pm.PublicKey
			if e.pub == nil {
				e.pub = readPublicKey(path + ".pub")
			}
			e.err = fmt.Errorf("%s is passphrase-protected: add it to ssh-agent (ssh-add %s)", path, path)
		case err != nil:
			e.err = fmt.Errorf("%s: %v", path, err)
		default:
			e.signer = s
		}
	}
	k.keys[path] = e
	return e
}

func readPublicKey(path string) ssh.PublicKey {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		return nil
	}
	return pub
}

// agentClient connects to $SSH_AUTH_SOCK once; nil when there is no agent.
func (k *keyring) agentClient() agent.ExtendedAgent {
	k.agentMu.Lock()
	defer k.agentMu.Unlock()
	if k.agentOK {
		return k.agent
	}
	k.agentOK = true
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil
	}
	c, err := net.Dial("unix", sock)
	if err != nil {
		return nil
	}
	k.agent = agent.NewClient(c)
	return k.agent
}

// defaultIdentities are OpenSSH's default key files, tried when none is configured.
func defaultIdentities() []string {
	var out []string
	for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
		out = append(out, expandTilde("~/.ssh/"+n))
	}
	return out
}

// authFor builds the public-key auth for one host: key files first (the
// options', then ssh_config's or the defaults), then the agent's keys —
// only those matching the files when IdentitiesOnly is set.
func (k *keyring) authFor(opts SSHOptions, s hostSettings) (ssh.AuthMethod, string) {
	files := append(append([]string{}, opts.IdentityFiles...), s.identityFiles...)
	if len(files) == 0 {
		files = defaultIdentities()
	}
	var signers []ssh.Signer
	var pubs []ssh.PublicKey
	var tried []string
	var problems []string
	seen := map[string]bool{}
	for _, f := range files {
		f = expandTilde(f)
		if seen[f] {
			continue
		}
		seen[f] = true
		e := k.load(f)
		switch {
		case e.signer != nil:
			signers = append(signers, e.signer)
			pubs = append(pubs, e.signer.PublicKey())
			tried = append(tried, f)
		case e.pub != nil:
			pubs = append(pubs, e.pub)
			problems = append(problems, e.err.Error())
		case e.err != nil:
			problems = append(problems, e.err.Error())
		}
	}
	var ag agent.ExtendedAgent
	if opts.UseAgent {
		ag = k.agentClient()
	}
	if ag != nil {
		tried = append(tried, "ssh-agent")
	} else if opts.UseAgent {
		problems = append(problems, "no ssh-agent at $SSH_AUTH_SOCK")
	}
	desc := "tried: " + strings.Join(tried, ", ")
	if len(tried) == 0 {
		desc = "no usable key: none of " + strings.Join(files, ", ")
	}
	if len(problems) > 0 {
		desc += "; " + strings.Join(problems, "; ")
	}
	identitiesOnly := s.identitiesOnly
	method := ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		out := append([]ssh.Signer{}, signers...)
		if ag == nil {
			return out, nil
		}
		agentSigners, err := ag.Signers()
		if err != nil {
			return out, nil
		}
		for _, as := range agentSigners {
			blob := as.PublicKey().Marshal()
			dup, wanted := false, false
			for _, p := range pubs {
				if bytes.Equal(p.Marshal(), blob) {
					wanted = true
				}
			}
			for _, s := range out {
				if bytes.Equal(s.PublicKey().Marshal(), blob) {
					dup = true
				}
			}
			if dup || (identitiesOnly && !wanted) {
				continue
			}
			out = append(out, as)
		}
		return out, nil
	})
	return method, desc
}
