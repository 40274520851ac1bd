package cluster

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	nodev1 "k8s.io/api/node/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// TestRecoveredWatchClearsStale: a watch that failed once and came back
// on a resource with nothing in it (no event will ever follow) clears
// the stale error once its relist has moved its resource version.
func TestRecoveredWatchClearsStale(t *testing.T) {
	old := recoveryCheck
	recoveryCheck = 50 * time.Millisecond
	defer func() { recoveryCheck = old }()
	c := fakeClients()
	kube := c.Kube.(*fake.Clientset)
	var lists, watches atomic.Int32
	kube.PrependReactor("list", "runtimeclasses", func(k8stesting.Action) (bool, runtime.Object, error) {
		n := lists.Add(1)
		return true, &nodev1.RuntimeClassList{ListMeta: metav1.ListMeta{ResourceVersion: strconv.Itoa(int(n))}}, nil
	})
	kube.PrependWatchReactor("runtimeclasses", func(k8stesting.Action) (bool, watch.Interface, error) {
		if watches.Add(1) == 1 {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "node.k8s.io", Resource: "runtimeclasses"}, "", errors.New("revoked for the test"))
		}
		return true, watch.NewFake(), nil // watching again, quietly
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := NewSource(ctx, c, Options{Coalesce: 20 * time.Millisecond, Probe: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	snaps := src.Subscribe()
	src.Start(ctx)
	defer src.Stop()
	if err := src.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	sawStale := false
	deadline := time.After(15 * time.Second)
	for {
		select {
		case s := <-snaps:
			if s.Err != nil {
				if !strings.Contains(s.Err.Error(), "runtimeclasses") {
					t.Fatalf("stale for %v", s.Err)
				}
				sawStale = true
			} else if sawStale {
				if lists.Load() < 2 {
					t.Fatalf("cleared before the relist (%d lists)", lists.Load())
				}
				return
			}
		case <-deadline:
			t.Fatalf("after 15s: stale seen %v, %d lists, %d watches; the recovered watch still reports stale", sawStale, lists.Load(), watches.Load())
		}
	}
}
