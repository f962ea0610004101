package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// endpoint is one host as reached through one jump chain: its settings and
// its current connection.
type endpoint struct {
	pool         *Pool
	name         string // as the deployer named it
	key          string
	addr         string // host:port dialled
	checkAddr    string // host:port looked up in known_hosts
	user         string
	via          *endpoint
	db           *hostKeyDB
	auth         ssh.AuthMethod
	authDesc     string
	hostKeyAlgos []string
	timeout      time.Duration
	keepAlive    time.Duration
	kaCount      int
	slots        chan struct{} // sessions at once over the connection

	mu      sync.Mutex
	cur     *liveConn
	dialing *dialAttempt
	closed  bool
}

type dialAttempt struct {
	done chan struct{}
	lc   *liveConn
	err  error
}

// liveConn is one SSH connection and the watchers that notice its end.
type liveConn struct {
	client *ssh.Client
	done   chan struct{} // closed when the connection ended
	once   sync.Once
	err    error // why it ended; read after done
}

// finish records why the connection ended (first reason wins) and closes it.
func (lc *liveConn) finish(reason error) {
	lc.once.Do(func() {
		lc.err = reason
		close(lc.done)
		lc.client.Close()
	})
}

func (lc *liveConn) ended() bool {
	select {
	case <-lc.done:
		return true
	default:
		return false
	}
}

// alive asks the server for a keepalive reply; false (and the connection
// finished) when it is gone or silent for timeout.
func (lc *liveConn) alive(timeout time.Duration) bool {
	if lc.ended() {
		return false
	}
	reply := make(chan error, 1)
	go func() {
		_, _, err := lc.client.SendRequest("keepalive@openssh.com", true, nil)
		reply <- err
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-reply:
		if err != nil {
			lc.finish(err)
			return false
		}
		return true
	case <-lc.done:
		return false
	case <-t.C:
		lc.finish(fmt.Errorf("no reply from the server in %s", timeout))
		return false
	}
}

// keepalives probes the connection every interval; count missed replies end it.
func (lc *liveConn) keepalives(interval time.Duration, count int) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-lc.done:
			return
		case <-t.C:
			if !lc.alive(interval * time.Duration(count)) {
				return
			}
		}
	}
}

func (ep *endpoint) isOpen() bool {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return ep.cur != nil && !ep.cur.ended()
}

// shut closes the current connection; final marks the endpoint unusable.
func (ep *endpoint) shut(final bool) {
	ep.mu.Lock()
	lc := ep.cur
	ep.cur = nil
	if final {
		ep.closed = true
	}
	ep.mu.Unlock()
	if lc != nil {
		lc.finish(errors.New("closed by porthole"))
	}
}

// conn returns the live connection, dialling when there is none; fresh is
// true when this call dialled it. Concurrent callers share one dial.
func (ep *endpoint) conn(ctx context.Context) (lc *liveConn, fresh bool, err error) {
	for {
		ep.mu.Lock()
		if ep.closed {
			ep.mu.Unlock()
			return nil, false, errors.New("the SSH pool is closed; open a new one")
		}
		if ep.cur != nil && !ep.cur.ended() {
			lc := ep.cur
			ep.mu.Unlock()
			return lc, false, nil
		}
		if a := ep.dialing; a != nil {
			ep.mu.Unlock()
			select {
			case <-a.done:
				ctxErr := errors.Is(a.err, context.Canceled) || errors.Is(a.err, context.DeadlineExceeded)
				if a.err != nil && !(ctxErr && ctx.Err() == nil) {
					return nil, false, a.err
				}
				continue // dialled, or the dialler gave up for its own reasons: try again
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
		}
		a := &dialAttempt{done: make(chan struct{})}
		ep.dialing = a
		ep.mu.Unlock()

		a.lc, a.err = ep.dial(ctx)

		ep.mu.Lock()
		ep.dialing = nil
		if a.err == nil {
			if ep.closed {
				a.lc.finish(errors.New("closed by porthole"))
				a.err = errors.New("the SSH pool is closed; open a new one")
			} else {
				ep.cur = a.lc
			}
		}
		close(a.done)
		ep.mu.Unlock()
		if a.err != nil {
			ep.pool.dialErrs.Add(1)
			return nil, false, a.err
		}
		ep.pool.dials.Add(1)
		return a.lc, true, nil
	}
}

func (ep *endpoint) viaName() string {
	if ep.via == nil {
		return ""
	}
	return ep.via.name
}

// dial connects (through the jump host, if any) and does the SSH handshake,
// all within the connect timeout.
func (ep *endpoint) dial(ctx context.Context) (*liveConn, error) {
	dctx, cancel := context.WithTimeout(ctx, ep.timeout)
	defer cancel()
	connErr := func(op string, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if dctx.Err() != nil {
			err = fmt.Errorf("%w after %s", os.ErrDeadlineExceeded, ep.timeout)
		}
		return &ConnError{Host: ep.name, Addr: ep.addr, Via: ep.viaName(), Op: op, Err: err}
	}
	var conn net.Conn
	var err error
	if ep.via != nil {
		conn, err = ep.dialVia(dctx)
		if err != nil {
			var ce *ConnError
			var hk *HostKeyError
			if errors.As(err, &ce) && ce.Host != ep.name || errors.As(err, &hk) || ctx.Err() != nil {
				return nil, err // the jump host's own failure names it
			}
			return nil, connErr(OpDial, err)
		}
	} else {
		d := net.Dialer{KeepAlive: 30 * time.Second}
		conn, err = d.DialContext(dctx, "tcp", ep.addr)
		if err != nil {
			return nil, connErr(OpDial, err)
		}
	}
	stop := context.AfterFunc(dctx, func() { conn.Close() })
	var refused error
	cfg := &ssh.ClientConfig{
		User:              ep.user,
		Auth:              []ssh.AuthMethod{ep.auth},
		HostKeyCallback:   ep.db.callback(ep.name, ep.checkAddr, &refused),
		HostKeyAlgorithms: ep.hostKeyAlgos,
		Timeout:           ep.timeout,
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, ep.addr, cfg)
	if !stop() {
		if err == nil {
			c.Close()
		}
		return nil, connErr(OpHandshake, errors.New("timed out"))
	}
	if err != nil {
		conn.Close()
		if refused != nil {
			return nil, refused
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, connErr(OpAuth, errors.New(ep.authDesc))
		}
		return nil, connErr(OpHandshake, err)
	}
	lc := &liveConn{client: ssh.NewClient(c, chans, reqs), done: make(chan struct{})}
	go func() {
		err := lc.client.Wait()
		if err == nil {
			err = errors.New("the server closed the connection")
		}
		lc.finish(err)
	}()
	if ep.keepAlive > 0 {
		go lc.keepalives(ep.keepAlive, ep.kaCount)
	}
	return lc, nil
}

// dialVia opens a TCP forward to ep.addr over the jump host's connection,
// re-dialling the jump host once if its connection turns out dead.
func (ep *endpoint) dialVia(ctx context.Context) (net.Conn, error) {
	for attempt := 0; ; attempt++ {
		jc, fresh, err := ep.via.conn(ctx)
		if err != nil {
			return nil, err
		}
		conn, err := jc.client.DialContext(ctx, "tcp", ep.addr)
		if err == nil {
			return conn, nil
		}
		if attempt > 0 || fresh || jc.alive(5*time.Second) {
			return nil, err
		}
	}
}
