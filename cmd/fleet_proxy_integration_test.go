//go:build integration

package cmd

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// tcpProxy stands between tiergate and an API server, below TLS, so that
// a test can see when a cluster is contacted and cut it off: it can hold
// each connection before dialling the server (until release), and stop
// forwarding the server's bytes once it has passed budget of them (the
// connections stay open, the client's reads just never return: a server
// that hangs mid-answer).
type tcpProxy struct {
	ln       net.Listener
	upstream string

	mu       sync.Mutex
	budget   int64 // server bytes to pass before stalling; < 0: no limit
	passed   int64
	accepted []time.Time
	conns    []net.Conn
	held     chan struct{} // closed by release; nil: nothing is held
	stalled  chan struct{} // closed once the budget is spent
	closed   chan struct{}
}

// newTCPProxy listens on a free local port in front of upstream
// (host:port), passing everything until told otherwise.
func newTCPProxy(t *testing.T, upstream string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, upstream: upstream, budget: -1, stalled: make(chan struct{}), closed: make(chan struct{})}
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's host:port.
func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

// Hold makes the connections accepted from now on wait for Release
// before the server is dialled.
func (p *tcpProxy) Hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held = make(chan struct{})
}

// Release lets the held connections through.
func (p *tcpProxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != nil {
		close(p.held)
		p.held = nil
	}
}

// StallAfter makes the proxy stop passing the server's bytes once n
// more have passed, counted over all connections.
func (p *tcpProxy) StallAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.budget = p.passed + n
}

// Passed is how many of the server's bytes have reached the client.
func (p *tcpProxy) Passed() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.passed
}

// Accepted is when each connection came, in order.
func (p *tcpProxy) Accepted() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.accepted...)
}

// Stalled is closed once the proxy has stopped passing the server's bytes.
func (p *tcpProxy) Stalled() <-chan struct{} { return p.stalled }

// Close stops listening and closes every connection, releasing whatever
// is held or stalled.
func (p *tcpProxy) Close() {
	p.mu.Lock()
	select {
	case <-p.closed:
		p.mu.Unlock()
		return
	default:
	}
	close(p.closed)
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	_ = p.ln.Close()
	for _, c := range conns {
		_ = c.Close()
	}
}

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.accepted = append(p.accepted, time.Now())
		p.conns = append(p.conns, c)
		held := p.held
		p.mu.Unlock()
		go p.pipe(c, held)
	}
}

// pipe connects one client to the server once it is no longer held.
func (p *tcpProxy) pipe(client net.Conn, held chan struct{}) {
	if held != nil {
		select {
		case <-held:
		case <-p.closed:
			return
		}
	}
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		_ = client.Close()
		return
	}
	p.mu.Lock()
	select {
	case <-p.closed:
		p.mu.Unlock()
		_ = server.Close()
		return
	default:
	}
	p.conns = append(p.conns, server)
	p.mu.Unlock()
	go func() {
		_, _ = io.Copy(server, client)
		if tc, ok := server.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			allowed := p.take(int64(n))
			if allowed > 0 {
				if _, werr := client.Write(buf[:allowed]); werr != nil {
					return
				}
			}
			if allowed < int64(n) { // the budget is spent: hang
				<-p.closed
				return
			}
		}
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				_ = client.Close()
			}
			return
		}
	}
}

// take counts n bytes of the server's against the budget and says how
// many of them may pass.
func (p *tcpProxy) take(n int64) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	allowed := n
	if p.budget >= 0 && p.passed+n > p.budget {
		allowed = max(0, p.budget-p.passed)
		select {
		case <-p.stalled:
		default:
			close(p.stalled)
		}
	}
	p.passed += allowed
	return allowed
}
