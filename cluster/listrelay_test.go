package cluster

import (
	"context"
	"testing"
	"time"
)

// TestRelayHoldsAFewThenAll: a reader that is behind gets relayHold
// pages held for it, then the writer waits; once it has waited
// relayPatience, every page is held (a pager on stdout must not keep a
// server's response waiting). Pages come out in order.
func TestRelayHoldsAFewThenAll(t *testing.T) {
	old := relayPatience
	relayPatience = 200 * time.Millisecond
	defer func() { relayPatience = old }()
	in, out, done := make(chan page), make(chan page), make(chan struct{})
	go relay(context.Background(), in, out, done)
	const n = 3 * relayHold
	sentAt := make([]time.Duration, n)
	start := time.Now()
	for i := range n {
		in <- page{items: []any{i}}
		sentAt[i] = time.Since(start)
	}
	close(in)
	if sentAt[relayHold-1] > relayPatience/2 {
		t.Errorf("the first %d pages waited %v: they are held without waiting", relayHold, sentAt[relayHold-1])
	}
	if sentAt[relayHold+1] < relayPatience*3/4 {
		t.Errorf("page %d went in after %v: past %d held, the writer waits for the reader (up to %v)", relayHold+1, sentAt[relayHold+1], relayHold, relayPatience)
	}
	if sentAt[n-1] > relayPatience*4 {
		t.Errorf("the last page went in after %v: after the patience, every page is held", sentAt[n-1])
	}
	for i := range n {
		if p := <-out; p.items[0] != i {
			t.Fatalf("page %d came out as %v", i, p.items[0])
		}
	}
	select {
	case <-done: // out is the caller's to close
	case <-time.After(5 * time.Second):
		t.Fatal("the relay did not return after the last page")
	}
	select {
	case p := <-out:
		t.Errorf("a page after the last: %v", p.items)
	default:
	}
}

// TestRelayStopsWithContext: when the fetch ends, the relay drops what it
// holds, takes what the writer still sends, and returns.
func TestRelayStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	in, out, done := make(chan page), make(chan page), make(chan struct{})
	go relay(ctx, in, out, done)
	in <- page{}
	cancel()
	for range 2 * relayHold {
		in <- page{} // never blocks for good: the relay drains
	}
	close(in)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the relay did not return")
	}
}

// TestBudgetPauses: a whole list's budget counts the request's time, not
// the time its fetcher waits for the reader.
func TestBudgetPauses(t *testing.T) {
	b := startBudget(context.Background(), 150*time.Millisecond)
	defer b.stop()
	b.pause()
	time.Sleep(300 * time.Millisecond)
	if b.ctx.Err() != nil {
		t.Fatal("the budget expired while paused")
	}
	b.resume()
	select {
	case <-b.ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the budget never expired")
	}
	if err := b.err(context.Canceled); err != context.DeadlineExceeded {
		t.Errorf("an expired budget's error is %v, want the deadline", err)
	}
	free := startBudget(context.Background(), 0)
	defer free.stop()
	time.Sleep(20 * time.Millisecond)
	if free.ctx.Err() != nil || free.err(context.Canceled) != context.Canceled {
		t.Error("a zero budget expired")
	}
}
