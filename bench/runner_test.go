package bench

import (
	"context"
	"errors"
	"sync"
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

// Sequential runs do not overlap: the next pod is created only once the
// watch has seen the last one gone (a Kata VM's teardown would otherwise
// slow the next start). Here each pod's deletion takes 300 ms.
func TestSequentialRunsWaitForTheLastPodToGo(t *testing.T) {
	created := make(chan string, 8)
	c := fakeCluster(created)
	var mu sync.Mutex
	var createdAt, goneAt []time.Time
	c.PrependReactor("delete", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		name := a.(k8stesting.DeleteAction).GetName()
		go func() {
			time.Sleep(300 * time.Millisecond)
			mu.Lock()
			goneAt = append(goneAt, time.Now())
			mu.Unlock()
			_ = c.Tracker().Delete(corev1.SchemeGroupVersion.WithResource("pods"), "tiergate-bench", name)
		}()
		return true, nil, nil // accepted; gone later
	})
	r := &Runner{Client: c, Namespace: "tiergate-bench", Pod: PodOptions{RunID: "abc123"}, Runs: 3, Timeout: time.Minute}
	timed := make(chan string, 8)
	go readyOnCreate(c, timed, nil)
	go func() {
		defer close(timed)
		for name := range created {
			mu.Lock()
			createdAt = append(createdAt, time.Now())
			mu.Unlock()
			timed <- name
		}
	}()
	res, err := r.Run(context.Background(), []Target{{Name: DefaultTarget}})
	close(created)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Targets[0].Sequential; s == nil || s.Runs != 3 || s.Failed != 0 {
		t.Fatalf("%+v", res.Targets[0].Sequential)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(createdAt) != 3 || len(goneAt) < 2 {
		t.Fatalf("created %d, gone %d", len(createdAt), len(goneAt))
	}
	for i := 1; i < 3; i++ {
		if createdAt[i].Before(goneAt[i-1]) {
			t.Errorf("pod %d created %s before pod %d was gone", i, goneAt[i-1].Sub(createdAt[i]), i-1)
		}
	}
}
