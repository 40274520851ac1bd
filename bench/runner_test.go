package bench

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// fakeCluster is the fake clientset with a resource version on its lists
// (the runner's retrying watches start from one), signalling each pod
// created on created.
func fakeCluster(created chan<- string) *fake.Clientset {
	c := fake.NewClientset()
	c.PrependReactor("list", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		switch a.GetResource().Resource {
		case "pods":
			l := &corev1.PodList{}
			l.ResourceVersion = "1"
			return true, l, nil
		case "events":
			l := &corev1.EventList{}
			l.ResourceVersion = "1"
			return true, l, nil
		}
		return false, nil, nil
	})
	c.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		p.ResourceVersion = "2" // the tracker sets none; the watch needs one
		created <- p.Name
		return false, nil, nil
	})
	return c
}

// Stopped by its context (ctrl+c in the progress view cancels only the
// run's), the runner says it was cancelled: the watches it ends with it
// are not a lost watch, which would exit 2 as a cluster error instead of
// 130. Each try races the watch's end against the cancellation.
func TestRunStoppedIsCancelledNotALostWatch(t *testing.T) {
	for try := range 40 {
		created := make(chan string, 8)
		r := &Runner{Client: fakeCluster(created), Namespace: "tiergate-bench", Pod: PodOptions{RunID: "abc123"}, Runs: 3, Timeout: time.Minute}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := r.Run(ctx, []Target{{Name: DefaultTarget}})
			done <- err
		}()
		select {
		case <-created:
		case err := <-done:
			t.Fatalf("run ended before a pod was created: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("no pod created")
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("try %d: stopped run returned %v, want context.Canceled", try, err)
		}
	}
}

// A pod whose start was interrupted measured nothing: it is not reported
// as finished (the plain lines said "ready in 0s" for it, the view
// counted it done).
func TestRunReportsNoInterruptedPod(t *testing.T) {
	created := make(chan string, 8)
	var reported []Progress
	r := &Runner{Client: fakeCluster(created), Namespace: "tiergate-bench", Pod: PodOptions{RunID: "abc123"}, Runs: 3, Timeout: time.Minute,
		Progress: func(p Progress) { reported = append(reported, p) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, []Target{{Name: DefaultTarget}})
		done <- err
	}()
	<-created
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if len(reported) != 0 {
		t.Errorf("reported %+v", reported)
	}
}
