package remote

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Pool hands out SSH executors, one connection per host, dialled on first
// use, reused for every command and re-dialled after it dies. ssh_config,
// keys and known_hosts are read once for all hosts. It is safe for
// concurrent use.
type Pool struct {
	opts SSHOptions

	cfgOnce sync.Once
	cfg     *sshConfig
	cfgErr  error
	keys    keyring

	mu     sync.Mutex
	closed bool
	hosts  map[string]*SSHHost  // by the name given to Get
	eps    map[string]*endpoint // by key: name, plus the jump chain it is reached through
	dbs    map[string]*hostKeyDB

	dials    atomic.Int64
	dialErrs atomic.Int64
}

// PoolStats count a pool's connections.
type PoolStats struct {
	Dials        int // connections established (handshake done)
	DialFailures int // dials that failed
	Open         int // connections alive now, jump hosts included
}

// NewPool makes a pool; nothing is read or dialled until Get and Run.
func NewPool(opts SSHOptions) *Pool {
	return &Pool{opts: opts, hosts: map[string]*SSHHost{}, eps: map[string]*endpoint{}, dbs: map[string]*hostKeyDB{}}
}

// Options are the options the pool was made with.
func (p *Pool) Options() SSHOptions { return p.opts }

// Get returns the executor for host: an ssh_config alias, or [user@]host[:port].
// The same name always gets the same executor. Errors are about the name or
// the configuration (ssh_config, known_hosts); reachability shows on Run.
func (p *Pool) Get(host string) (Executor, error) {
	h, err := p.SSH(host)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// SSH is Get with the concrete type, for callers that want Dial or Addr.
func (p *Pool) SSH(host string) (*SSHHost, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errors.New("the SSH pool is closed; open a new one")
	}
	if h, ok := p.hosts[host]; ok {
		return h, nil
	}
	ep, err := p.endpointLocked(host, nil, 0)
	if err != nil {
		return nil, err
	}
	h := &SSHHost{name: host, ep: ep}
	p.hosts[host] = h
	return h, nil
}

// GetAll returns executors for many hosts, in order; the first bad name fails it.
func (p *Pool) GetAll(hosts []string) ([]Executor, error) {
	out := make([]Executor, 0, len(hosts))
	for _, h := range hosts {
		ex, err := p.Get(h)
		if err != nil {
			return nil, err
		}
		out = append(out, ex)
	}
	return out, nil
}

// Stats counts dials and open connections.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	eps := make([]*endpoint, 0, len(p.eps))
	for _, ep := range p.eps {
		eps = append(eps, ep)
	}
	p.mu.Unlock()
	s := PoolStats{Dials: int(p.dials.Load()), DialFailures: int(p.dialErrs.Load())}
	for _, ep := range eps {
		if ep.isOpen() {
			s.Open++
		}
	}
	return s
}

// Close closes every connection; executors from this pool fail afterwards.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	eps := make([]*endpoint, 0, len(p.eps))
	for _, ep := range p.eps {
		eps = append(eps, ep)
	}
	p.mu.Unlock()
	for _, ep := range eps {
		ep.shut(true)
	}
	return nil
}

func (p *Pool) config() (*sshConfig, error) {
	p.cfgOnce.Do(func() { p.cfg, p.cfgErr = loadSSHConfig(p.opts.ConfigPath) })
	return p.cfg, p.cfgErr
}

// maxJumps bounds ProxyJump chains (and catches loops).
const maxJumps = 8

// endpointLocked resolves name (reached through via, or its own ProxyJump
// when via is nil) to a shared endpoint. p.mu is held.
func (p *Pool) endpointLocked(name string, via *endpoint, depth int) (*endpoint, error) {
	if depth > maxJumps {
		return nil, fmt.Errorf("ProxyJump for %s goes %d hops deep: is there a loop in ssh_config?", name, depth)
	}
	key := name
	if via != nil {
		key = name + " via " + via.key
	}
	if ep, ok := p.eps[key]; ok {
		return ep, nil
	}
	spec, err := parseHostSpec(name)
	if err != nil {
		return nil, err
	}
	cfg, err := p.config()
	if err != nil {
		return nil, err
	}
	s, err := cfg.settings(spec, p.opts.User)
	if err != nil {
		return nil, err
	}
	if via == nil && s.proxyJump != "" {
		for _, j := range strings.Split(s.proxyJump, ",") {
			j = strings.TrimSpace(j)
			if strings.HasPrefix(j, "ssh://") {
				j = strings.TrimPrefix(j, "ssh://")
			}
			via, err = p.endpointLocked(j, via, depth+1)
			if err != nil {
				return nil, fmt.Errorf("ProxyJump of %s: %w", name, err)
			}
		}
	} else if via == nil && s.proxyCommand != "" {
		return nil, fmt.Errorf("ssh_config %s gives %s a ProxyCommand, which porthole does not run; use ProxyJump instead", cfg.path, name)
	}
	db, err := p.hostKeyDBLocked(s)
	if err != nil {
		return nil, err
	}
	checkName := s.hostName
	if s.hostKeyAlias != "" {
		checkName = s.hostKeyAlias
	}
	ep := &endpoint{
		pool:      p,
		name:      name,
		key:       key,
		addr:      net.JoinHostPort(s.hostName, strconv.Itoa(s.port)),
		checkAddr: net.JoinHostPort(checkName, strconv.Itoa(s.port)),
		user:      s.user,
		via:       via,
		db:        db,
		slots:     make(chan struct{}, p.opts.maxSessions()),
		timeout:   p.opts.timeout(),
		keepAlive: p.opts.keepAlive(),
		kaCount:   keepAliveCountMax,
	}
	if s.connectTimeout > 0 {
		ep.timeout = s.connectTimeout
	}
	if s.serverAliveInterval > 0 {
		ep.keepAlive = s.serverAliveInterval
	}
	if s.serverAliveCountMax > 0 {
		ep.kaCount = s.serverAliveCountMax
	}
	ep.auth, ep.authDesc = p.keys.authFor(p.opts, s)
	ep.hostKeyAlgos = hostKeyAlgorithms(db.knownTypes(ep.checkAddr))
	p.eps[key] = ep
	return ep, nil
}

// hostKeyDBLocked returns the parsed known_hosts set a host uses (shared by all hosts using it).
func (p *Pool) hostKeyDBLocked(s hostSettings) (*hostKeyDB, error) {
	files := append([]string{}, p.opts.KnownHosts...)
	if len(files) == 0 {
		user := s.userKnownHosts
		if len(user) == 0 {
			user = []string{expandTilde("~/.ssh/known_hosts"), expandTilde("~/.ssh/known_hosts2")}
		}
		global := s.globalKnownHosts
		if len(global) == 0 {
			global = []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}
		}
		files = append(append([]string{}, user...), global...)
	}
	for i, f := range files {
		files[i] = expandTilde(f)
	}
	key := strings.Join(files, "\x00")
	if db, ok := p.dbs[key]; ok {
		return db, nil
	}
	db, err := newHostKeyDB(files)
	if err != nil {
		return nil, err
	}
	p.dbs[key] = db
	return db, nil
}
