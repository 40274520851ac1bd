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
	in, out, done := make(chan page), make(chan page), make(chan bool, 1)
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
	case delivered := <-done: // out is the caller's to close
		if !delivered {
			t.Error("every page went out, and the relay says some were lost")
		}
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
// holds, takes what the writer still sends, returns, and says pages were
// lost; one that had handed every page over says none were.
func TestRelayStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	in, out, done := make(chan page), make(chan page), make(chan bool, 1)
	go relay(ctx, in, out, done)
	in <- page{}
	cancel()
	for range 2 * relayHold {
		in <- page{} // never blocks for good: the relay drains
	}
	close(in)
	select {
	case delivered := <-done:
		if delivered {
			t.Error("pages were dropped, and the relay says all went out")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the relay did not return")
	}

	ctx, cancel = context.WithCancel(context.Background())
	in, done = make(chan page), make(chan bool, 1)
	go relay(ctx, in, out, done)
	in <- page{}
	<-out
	cancel()
	close(in)
	if !<-done {
		t.Error("the reader had every page, and the relay says some were lost")
	}
}

// TestRelayPatienceCountsEveryWait: the body's waits for room add up over
// the list. A reader that keeps just behind, taking a page now and then,
// does not hold the body back for good: once the waits reach the
// patience, every page is held.
func TestRelayPatienceCountsEveryWait(t *testing.T) {
	old := relayPatience
	relayPatience = 300 * time.Millisecond
	defer func() { relayPatience = old }()
	in, out, done := make(chan page), make(chan page), make(chan bool, 1)
	go relay(context.Background(), in, out, done)
	stopReading := make(chan struct{})
	go func() { // takes a page every 100 ms: each wait is shorter than the patience
		for {
			select {
			case <-out:
			case <-stopReading:
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	start := time.Now()
	const n = 40
	for range n {
		in <- page{}
	}
	took := time.Since(start)
	close(stopReading)
	if took > 2*time.Second {
		t.Errorf("%d pages went in over %v: a reader that keeps just behind held the body back for good", n, took)
	}
	close(in)
	go func() {
		for range out {
		}
	}()
	<-done
}

// TestBudgetPauses: a whole list's budget counts the request's time, not
// the time its fetcher waits for the reader; a resumed clock goes on from
// what was left.
func TestBudgetPauses(t *testing.T) {
	b := startBudget(context.Background(), 300*time.Millisecond)
	defer b.stop()
	time.Sleep(200 * time.Millisecond)
	b.pause()
	time.Sleep(300 * time.Millisecond)
	if b.ctx.Err() != nil {
		t.Fatal("the budget expired while paused")
	}
	resumed := time.Now()
	b.resume()
	select {
	case <-b.ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the budget never expired")
	}
	if left := time.Since(resumed); left > 250*time.Millisecond {
		t.Errorf("expired %v after resuming with 100 ms left: the clock started over", left)
	}
	if err := b.err(context.Canceled); err != context.DeadlineExceeded {
		t.Errorf("an expired budget's error is %v, want the deadline", err)
	}
	running := startBudget(context.Background(), 200*time.Millisecond)
	defer running.stop()
	time.Sleep(150 * time.Millisecond)
	running.resume() // already running: goes on from what is left
	select {
	case <-running.ctx.Done():
	case <-time.After(150 * time.Millisecond):
		t.Error("resuming a running clock started it over")
	}
	free := startBudget(context.Background(), 0)
	defer free.stop()
	time.Sleep(20 * time.Millisecond)
	if free.ctx.Err() != nil || free.err(context.Canceled) != context.Canceled {
		t.Error("a zero budget expired")
	}
}
