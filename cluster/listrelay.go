package cluster

import (
	"context"
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
