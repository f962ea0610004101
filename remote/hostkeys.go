package remote

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyKind says why a host key was refused.
type HostKeyKind string

// The ways a host key is refused.
const (
	HostKeyUnknown HostKeyKind = "unknown" // no known_hosts entry for the host
	HostKeyChanged HostKeyKind = "changed" // known_hosts holds another key for it
	HostKeyRevoked HostKeyKind = "revoked" // the key is marked @revoked
)

// HostKeyError refuses a connection whose host key is not the known one.
// porthole never accepts such a key by itself.
type HostKeyError struct {
	Host           string      // as the deployer named it
	Addr           string      // the known_hosts name checked: host:port (or HostKeyAlias)
	KeyType        string      // e.g. ssh-ed25519
	Fingerprint    string      // SHA256:… of the key the server offered
	Kind           HostKeyKind // unknown, changed or revoked
	KnownHostsFile string      // the file holding the old key (changed), or the first file searched (unknown)
	Line           int         // line of the old key in KnownHostsFile; 0 when unknown
}

// Error names the host and fingerprint and says what the deployer should do.
func (e *HostKeyError) Error() string {
	name := knownhosts.Normalize(e.Addr)
	switch e.Kind {
	case HostKeyChanged:
		return fmt.Sprintf("host key for %s (%s) has CHANGED: it now offers %s %s, but %s:%d holds another key. "+
			"This may be a man-in-the-middle attack, or the host was rebuilt: verify the new fingerprint with its owner; "+
			"only then remove the old key (ssh-keygen -R %s -f %s) and connect again",
			e.Host, e.Addr, e.KeyType, e.Fingerprint, e.KnownHostsFile, e.Line, shellWord(name), shellWord(e.KnownHostsFile))
	case HostKeyRevoked:
		return fmt.Sprintf("host key for %s (%s) is REVOKED in %s:%d (it offers %s %s); do not connect: tell the host's owner",
			e.Host, e.Addr, e.KnownHostsFile, e.Line, e.KeyType, e.Fingerprint)
	}
	where := e.KnownHostsFile
	if where == "" {
		where = "known_hosts"
	}
	return fmt.Sprintf("host key for %s (%s) is unknown: it offers %s %s, which is not in %s. "+
		"Verify that fingerprint with the host's owner, then add it (ssh %s once, answering yes) and retry",
		e.Host, e.Addr, e.KeyType, e.Fingerprint, where, e.Host)
}

// shellWord quotes s for a command the deployer will paste.
func shellWord(s string) string { return Quote(s) }

// hostKeyDB is one set of known_hosts files, parsed once and shared by every host.
type hostKeyDB struct {
	files    []string // as searched, for messages
	existing []string // the files that exist
	check    ssh.HostKeyCallback
}

// newHostKeyDB parses the known_hosts files that exist; missing ones count as empty.
func newHostKeyDB(files []string) (*hostKeyDB, error) {
	db := &hostKeyDB{files: files}
	for _, f := range files {
		if f == "" || f == "/dev/null" {
			continue
		}
		st, err := os.Stat(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("known_hosts %s: %v", f, err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("known_hosts %s is a directory; give a file", f)
		}
		db.existing = append(db.existing, f)
	}
	if len(db.existing) > 0 {
		cb, err := knownhosts.New(db.existing...)
		if err != nil {
			return nil, fmt.Errorf("cannot read known_hosts: %v; fix or remove the bad line", err)
		}
		db.check = cb
	}
	return db, nil
}

// lookup checks key for address (host:port) as seen at remote.
func (db *hostKeyDB) lookup(address string, remote net.Addr, key ssh.PublicKey) error {
	if db.check == nil {
		return &knownhosts.KeyError{}
	}
	return db.check(address, remote, key)
}

// probeKey is a key no host has, looked up to learn which keys a host has.
var probeKey = sync.OnceValue(func() ssh.PublicKey {
	pub, _, _ := ed25519.GenerateKey(nil)
	k, _ := ssh.NewPublicKey(pub)
	return k
})

// knownTypes lists the key types known_hosts holds for address, so the
// handshake asks for those first (as OpenSSH does) and a host with several
// keys is not mistaken for a changed one.
func (db *hostKeyDB) knownTypes(address string) []string {
	err := db.lookup(address, fakeAddr(address), probeKey())
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) {
		return nil
	}
	var types []string
	for _, k := range ke.Want {
		if t := k.Key.Type(); !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return types
}

// hostKeyAlgorithms orders the handshake's host key algorithms: the known types first.
func hostKeyAlgorithms(known []string) []string {
	if len(known) == 0 {
		return nil
	}
	var algos []string
	for _, t := range known {
		switch t {
		case ssh.KeyAlgoRSA:
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			algos = append(algos, t)
		}
	}
	for _, a := range ssh.SupportedAlgorithms().HostKeys {
		if !slices.Contains(algos, a) {
			algos = append(algos, a)
		}
	}
	return algos
}

// callback checks keys against the db for one host and turns a refusal into a *HostKeyError.
func (db *hostKeyDB) callback(host, checkAddr string, refused *error) ssh.HostKeyCallback {
	return func(_ string, remote net.Addr, key ssh.PublicKey) error {
		err := db.lookup(checkAddr, remote, key)
		if err == nil {
			return nil
		}
		hk := &HostKeyError{Host: host, Addr: checkAddr, KeyType: key.Type(), Fingerprint: ssh.FingerprintSHA256(key)}
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case errors.As(err, &re):
			hk.Kind, hk.KnownHostsFile, hk.Line = HostKeyRevoked, re.Revoked.Filename, re.Revoked.Line
		case errors.As(err, &ke) && len(ke.Want) > 0:
			hk.Kind, hk.KnownHostsFile, hk.Line = HostKeyChanged, ke.Want[0].Filename, ke.Want[0].Line
		case errors.As(err, &ke):
			hk.Kind = HostKeyUnknown
			hk.KnownHostsFile = strings.Join(db.files, ", ")
		default:
			return err
		}
		*refused = hk
		return hk
	}
}

// fakeAddr is a TCP address for knownhosts' lookup when only a name is at hand.
func fakeAddr(address string) net.Addr {
	_, p, _ := net.SplitHostPort(address)
	n, _ := strconv.Atoi(p)
	return &net.TCPAddr{IP: net.IPv4zero, Port: n}
}
