// Package memlimit keeps a soft memory limit that follows the live heap.
package memlimit

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Follow sets the runtime's soft memory limit to floor, raised after
// each garbage collection to what the live heap needs (limitFor), until
// stop, which puts back the limit before.
//
// A fixed limit near or below the live heap has the collector run again
// and again for little it can free (in a test churning 2 GB, 2.7 times
// the time of no limit with 30 MB live under 64 MiB, ten times with 70
// MB; 2.5 times with this): the floor holds a small heap's peak down,
// and a heap that outgrows half of it is given room in proportion. The live heap is
// the smaller of the last two collections' (live), so that one cycle
// that marked much of what the program allocated meanwhile (objects
// allocated while marking count as live) does not lift the limit.
func Follow(floor int64) (stop func()) {
	f := &follower{floor: floor}
	f.prev = debug.SetMemoryLimit(floor)
	f.arm()
	return f.stop
}

// limitFor is the limit for a heap of live bytes: floor, or twice the
// live heap when that is more. The limit counts all the runtime's memory,
// not the heap alone: at half as much again (a target of 50 percent) a
// 70 MB heap of small objects left the collector 10 MB and ran it 84
// times where twice ran it 33 (GOGC 200 alone: 7).
func limitFor(floor int64, live uint64) int64 {
	live = min(live, 1<<60)
	return max(floor, int64(2*live))
}

// follower is one Follow, from its start to its stop.
type follower struct {
	floor int64
	mu    sync.Mutex
	prev  int64
	done  bool
	// last is the live heap the collection before left.
	last uint64
}

// sentinel is an object the collector frees at its next cycle, whose
// finalizer is the follower's hook. It holds a pointer: the runtime
// batches small pointer-free objects, whose finalizers may never run.
type sentinel struct{ _ *byte }

// arm allocates a sentinel that adjusts the limit once it is collected
// and arms the next.
func (f *follower) arm() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		if f.adjust() {
			f.arm()
		}
	})
}

// adjust sets the limit for the heap the last collection left live; it
// reports whether the follower still runs.
func (f *follower) adjust() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return false
	}
	live := liveHeap()
	debug.SetMemoryLimit(limitFor(f.floor, min(live, f.last)))
	f.last = live
	return true
}

func (f *follower) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.done {
		f.done = true
		debug.SetMemoryLimit(f.prev)
	}
}

// liveHeap is the heap the last collection marked live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
