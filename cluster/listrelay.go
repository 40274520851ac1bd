package cluster

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// relayHold is how many pages a whole list's relay holds for a reader
// that is behind before the body waits for it: a few pages of stripped
// objects, so that the pods arriving while the other lists finish (or
// while the audit is busy) do not all pile up in memory.
const relayHold = 4

// relayPatience is how long the body waits for the reader before the
// relay holds every page: a reader that slow (a pager on stdout) is a
// person, and a server kept waiting minutes cuts the response.
var relayPatience = time.Second

// relay passes pages from in to out in order. It holds up to relayHold
// pages for a reader that is behind; when in has waited relayPatience
// for room, it holds them all from then on. When in is closed and all
// went out it returns; when ctx ends it drops them and only drains in.
// done is closed when it returns.
func relay(ctx context.Context, in <-chan page, out chan<- page, done chan<- struct{}) {
	defer close(done)
	var held []page
	unbounded := false
	var waiting <-chan time.Time // the patience timer while in waits
	for {
		var send chan<- page
		var next page
		if len(held) > 0 {
			send, next = out, held[0]
		} else if in == nil {
			return
		}
		recv := in
		if len(held) >= relayHold && !unbounded {
			recv = nil
			if waiting == nil {
				waiting = time.After(relayPatience)
			}
		} else {
			waiting = nil
		}
		select {
		case p, ok := <-recv:
			if !ok {
				in = nil
				continue
			}
			held = append(held, p)
		case send <- next:
			held[0] = page{}
			held = held[1:]
		case <-waiting:
			unbounded = true
		case <-ctx.Done():
			if in != nil {
				for range in {
				}
			}
			return
		}
	}
}

// budget is a whole list's share of the timeout: it cancels its context
// once the request has been active for d, not counting the time the
// fetcher is paused (waiting for the relay to take a page: the reader's
// time, not the server's). A zero d never expires.
type budget struct {
	ctx     context.Context
	cancel  context.CancelFunc
	expired atomic.Bool
	mu      sync.Mutex
	timer   *time.Timer
	left    time.Duration
	since   time.Time
}

func startBudget(parent context.Context, d time.Duration) *budget {
	b := &budget{left: d, since: time.Now()}
	b.ctx, b.cancel = context.WithCancel(parent)
	if d > 0 {
		b.timer = time.AfterFunc(d, func() {
			b.expired.Store(true)
			b.cancel()
		})
	}
	return b
}

// pause stops the clock; resume starts it again with what is left.
func (b *budget) pause() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer != nil && b.timer.Stop() {
		b.left -= time.Since(b.since)
	}
}

func (b *budget) resume() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer != nil && !b.expired.Load() {
		b.since = time.Now()
		b.timer.Reset(max(b.left, 0))
	}
}

// stop releases the timer and the context.
func (b *budget) stop() {
	if b.timer != nil {
		b.timer.Stop()
	}
	b.cancel()
}

// err is err, or context.DeadlineExceeded when the budget (not the
// parent context) ended the request.
func (b *budget) err(err error) error {
	if err != nil && b.expired.Load() {
		return context.DeadlineExceeded
	}
	return err
}
