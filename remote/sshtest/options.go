package sshtest

// MaxPortsPerSSHD is how many ports one sshd process may listen on.
const MaxPortsPerSSHD = 16

// Option tunes a Cluster.
type Option func(*settings)

type settings struct {
	hashed   bool
	perSSHD  int
	names    []string
	env      []string
	logLevel string
}

// HashedKnownHosts writes known_hosts with hashed host names (|1|salt|hash), as HashKnownHosts yes does.
func HashedKnownHosts() Option { return func(s *settings) { s.hashed = true } }

// PortsPerSSHD packs k hosts (ports) into each sshd process, 1..16; the
// default is 1, so that Stop(i) stops exactly one host. Use 16 for big clusters.
func PortsPerSSHD(k int) Option {
	return func(s *settings) { s.perSSHD = min(max(k, 1), MaxPortsPerSSHD) }
}

// Names names the hosts (ssh_config aliases) instead of h1..hN; extra hosts keep hN names.
func Names(names ...string) Option { return func(s *settings) { s.names = append(s.names, names...) } }

// Env sets an environment variable for every command (sshd_config SetEnv), e.g. PATH.
func Env(key, value string) Option {
	return func(s *settings) { s.env = append(s.env, key+"="+value) }
}

// LogLevel sets sshd's LogLevel (INFO by default; VERBOSE or DEBUG1 for more).
func LogLevel(level string) Option { return func(s *settings) { s.logLevel = level } }
