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

// relayPatience is how long, in all, the body may wait for the reader
// before the relay holds every page: a server cuts a request at its
// --request-timeout (a minute by default), and a reader that slow (a
// pager on stdout, a slow pipe) must not make it cut the list.
var relayPatience = 10 * time.Second

// relay passes pages from in to out in order. It holds up to relayHold
// pages for a reader that is behind; once in has waited relayPatience
// for room, counted over the whole list, it holds every page from then
// on. When in is closed and all went out it sends true on done and
// returns; when ctx ends first it drops what it holds, drains in, and
// sends whether nothing was lost (false: the reader did not get the
// whole list).
func relay(ctx context.Context, in <-chan page, out chan<- page, done chan<- bool) {
	var held []page
	unbounded := false
	var waited time.Duration // in's waits for room so far
	var blockedAt time.Time  // when in's current wait began
	var patience <-chan time.Time
	for {
		var send chan<- page
		var next page
		if len(held) > 0 {
			send, next = out, held[0]
		} else if in == nil {
			done <- true
			return
		}
		recv := in
		full := in != nil && len(held) >= relayHold && !unbounded
		switch {
		case full && blockedAt.IsZero():
			blockedAt = time.Now()
			patience = time.After(relayPatience - waited)
		case !full && !blockedAt.IsZero():
			waited += time.Since(blockedAt)
			blockedAt, patience = time.Time{}, nil
		}
		if full {
			recv = nil
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
		case <-patience:
			unbounded = true
		case <-ctx.Done():
			lost := len(held) > 0
			if in != nil {
				for range in {
					lost = true
				}
			}
			done <- !lost
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
	paused  bool
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

// pause stops the clock; resume starts it again with what is left. Each
// is a no-op on a clock already in that state.
func (b *budget) pause() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer == nil || b.paused {
		return
	}
	b.paused = true
	if b.timer.Stop() {
		b.left -= time.Since(b.since)
	}
}

func (b *budget) resume() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer == nil || !b.paused || b.expired.Load() {
		return
	}
	b.paused = false
	b.since = time.Now()
	b.timer.Reset(max(b.left, 0))
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
