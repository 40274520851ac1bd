package cluster

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// watchPod returns when pod ns/name is gone or no longer running, or when
// ctx ends. It watches from resourceVersion rv and resumes after the
// server closes a watch. Without list/watch on pods it cannot tell and
// returns only with ctx: the forward then ends when the kubelet closes
// its streams.
func watchPod(ctx context.Context, kube kubernetes.Interface, namespace, name, rv string) {
	pods := kube.CoreV1().Pods(namespace)
	for ctx.Err() == nil {
		w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(), ResourceVersion: rv, AllowWatchBookmarks: true})
		if apierrors.IsForbidden(err) {
			<-ctx.Done()
			return
		}
		if err != nil {
			sleepCtx(ctx, time.Second)
			continue
		}
		var gone bool
		rv, gone = podEvents(w.ResultChan(), rv)
		w.Stop()
		if gone {
			return
		}
		if rv == "" { // too old to resume: look again
			p, err := pods.Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) || (err == nil && !podRunning(p)) {
				return
			}
			if err == nil {
				rv = p.ResourceVersion
			}
		}
	}
}

// podEvents reads one watch until it closes: gone when the pod was
// deleted or stopped running; otherwise the resourceVersion to resume
// from ("" when the server said it is too old).
func podEvents(events <-chan watch.Event, rv string) (string, bool) {
	for ev := range events {
		switch ev.Type {
		case watch.Deleted:
			return rv, true
		case watch.Added, watch.Modified:
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			if !podRunning(p) {
				return rv, true
			}
			rv = p.ResourceVersion
		case watch.Bookmark:
			if m, err := meta.Accessor(ev.Object); err == nil {
				rv = m.GetResourceVersion()
			}
		case watch.Error:
			if apierrors.IsResourceExpired(apierrors.FromObject(ev.Object)) || apierrors.IsGone(apierrors.FromObject(ev.Object)) {
				return "", false
			}
		}
	}
	return rv, false
}

func podRunning(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning }

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
