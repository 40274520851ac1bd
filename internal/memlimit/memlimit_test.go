package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"
)

func TestLimitFor(t *testing.T) {
	const floor = 64 << 20
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, floor},
		{20 << 20, floor},
		{32 << 20, floor},
		{40 << 20, 80 << 20},
		{300 << 20, 600 << 20},
		{math.MaxUint64, 1 << 61},
	} {
		if got := limitFor(floor, tc.live); got != tc.want {
			t.Errorf("live %d: limit %d, want %d", tc.live, got, tc.want)
		}
	}
}

// node is a small object with pointers, as a cluster's objects are: the
// collector has to trace every one.
type node struct {
	next *node
	name string
}

// liveNodes builds about bytes of live nodes.
func liveNodes(bytes int) *node {
	var n *node
	for i := range bytes / 48 {
		n = &node{next: n, name: strconv.Itoa(i)}
	}
	return n
}

// limit is the soft memory limit now.
func limit() int64 { return debug.SetMemoryLimit(-1) }

// waitLimit collects until the limit meets ok (the follower adjusts on
// the finalizer goroutine, after a collection).
func waitLimit(t *testing.T, ok func(int64) bool) int64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		if l := limit(); ok(l) || time.Now().After(deadline) {
			return l
		}
	}
}

// TestFollow: the limit is the floor while the heap is small, rises with
// a live heap that outgrows half of it, falls back once that heap is
// freed, and is put back as it was at stop.
func TestFollow(t *testing.T) {
	before := limit()
	const floor = 8 << 20
	stop := Follow(floor)
	if got := limit(); got != floor {
		t.Fatalf("limit %d at the start, want the floor %d", got, floor)
	}
	heap := liveNodes(48 << 20) // 31-40 MiB live, as the race detector runs or not
	if got := waitLimit(t, func(l int64) bool { return l >= 48<<20 }); got < 48<<20 {
		t.Errorf("limit %d MiB over a live heap of %d MiB, want twice it", got>>20, liveHeap()>>20)
	}
	runtime.KeepAlive(heap) // the heap is garbage from here on
	if got := waitLimit(t, func(l int64) bool { return l == floor }); got != floor {
		t.Errorf("limit %d MiB once the heap was freed, want the floor", got>>20)
	}
	stop()
	if got := limit(); got != before {
		t.Errorf("limit %d after stop, want %d as before", got, before)
	}
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if got := limit(); got != before {
		t.Errorf("limit %d after a collection after stop: the follower still runs", got)
	}
}

// TestFollowDoesNotThrash: with a live heap above the floor, allocating
// 256 MiB runs the collector a few times, not after every few
// allocations as under a fixed limit of the floor (hundreds of cycles).
func TestFollowDoesNotThrash(t *testing.T) {
	const floor = 16 << 20
	defer Follow(floor)()
	heap := liveNodes(40 << 20)
	waitLimit(t, func(l int64) bool { return l > floor })
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var sink []byte
	for range 256 << 10 {
		sink = make([]byte, 1024)
	}
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(heap)
	_ = sink
	if cycles := after.NumGC - before.NumGC; cycles > 40 {
		t.Errorf("%d collections for 256 MiB allocated over a 40 MiB heap", cycles)
	}
}
