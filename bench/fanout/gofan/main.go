// Command gofan is the benchmark's bare x/crypto/ssh fan-out loop, the
// floor porthole exec is measured against (like reference/perf.md's gofan):
// one parsed key and one knownhosts callback shared by all hosts, one
// connection and one session per host, output printed per host when it
// finishes, exit 1 when any host fails. With -jump, every host is reached
// through one connection to that bastion (a direct-tcpip channel each).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func main() {
	addrs := flag.String("addrs", "", "file with one host:port per line")
	p := flag.Int("p", 32, "hosts at once")
	cmd := flag.String("cmd", "true", "remote command")
	keyPath := flag.String("key", "", "private key")
	known := flag.String("known", "", "known_hosts")
	user := flag.String("user", "root", "login user")
	jump := flag.String("jump", "", "bastion host:port to reach every host through (one connection)")
	flag.Parse()

	data, err := os.ReadFile(*addrs)
	if err != nil {
		fail(err)
	}
	hosts := strings.Fields(string(data))
	pem, err := os.ReadFile(*keyPath)
	if err != nil {
		fail(err)
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		fail(err)
	}
	hkcb, err := knownhosts.New(*known)
	if err != nil {
		fail(err)
	}
	cfg := &ssh.ClientConfig{User: *user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hkcb, Timeout: 30 * time.Second}

	dial := func(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, cfg.Timeout) }
	if *jump != "" {
		jc, err := ssh.Dial("tcp", *jump, cfg)
		if err != nil {
			fail(err)
		}
		defer jc.Close()
		dial = func(addr string) (net.Conn, error) { return jc.Dial("tcp", addr) }
	}

	sem := make(chan struct{}, *p)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for i, addr := range hosts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var out, errb bytes.Buffer
			err := run(dial, addr, cfg, *cmd, &out, &errb)
			mu.Lock()
			defer mu.Unlock()
			status := "SUCCESS"
			if err != nil {
				failed++
				status = "FAILURE"
				fmt.Fprintf(os.Stderr, "[%d] %s: %v\n", i+1, addr, err)
			}
			fmt.Printf("[%d] %s h%d\n", i+1, status, i+1)
			os.Stdout.Write(out.Bytes())
		}()
	}
	wg.Wait()
	if failed > 0 {
		os.Exit(1)
	}
}

func run(dial func(string) (net.Conn, error), addr string, cfg *ssh.ClientConfig, cmd string, out, errb *bytes.Buffer) error {
	nc, err := dial(addr)
	if err != nil {
		return err
	}
	sc, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if err != nil {
		nc.Close()
		return err
	}
	c := ssh.NewClient(sc, chans, reqs)
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	s.Stdout, s.Stderr = out, errb
	return s.Run(cmd)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gofan:", err)
	os.Exit(2)
}
