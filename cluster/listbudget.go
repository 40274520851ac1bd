package cluster

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// budget is a list's share of the timeout: it cancels its context once
// the requests have been active for d, not counting the time the fetcher
// is paused (waiting for the reader, stripping between pages). A zero d
// never expires.
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
