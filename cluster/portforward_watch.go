package cluster

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// watchPod returns when pod ns/name is gone or no longer running, saying
// which ("pod was deleted"), or "" when ctx ends first. It watches from
// resourceVersion rv and resumes after the server closes a watch.
// Without watch on pods it cannot tell and returns only with ctx: the
// forward then ends when the kubelet closes its streams.
func watchPod(ctx context.Context, kube kubernetes.Interface, namespace, name, rv string) string {
	pods := kube.CoreV1().Pods(namespace)
	for ctx.Err() == nil {
		w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(), ResourceVersion: rv, AllowWatchBookmarks: true})
		if apierrors.IsForbidden(err) {
			<-ctx.Done()
			return ""
		}
		if err != nil {
			sleepCtx(ctx, time.Second)
			continue
		}
		var gone string
		rv, gone = podEvents(w.ResultChan(), rv)
		w.Stop()
		if gone != "" {
			return gone
		}
		if rv == "" { // too old to resume: look again
			p, err := pods.Get(ctx, name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				return podDeleted
			case err == nil && !podRunning(p):
				return notRunning(p)
			case err == nil:
				rv = p.ResourceVersion
			}
		}
	}
	return ""
}

const podDeleted = "pod was deleted"

func notRunning(p *corev1.Pod) string {
	return fmt.Sprintf("pod stopped running (phase %s)", p.Status.Phase)
}

// podEvents reads one watch until it closes: why the pod is gone (deleted
// or stopped running), or "" with the resourceVersion to resume from (""
// when the server said it is too old).
func podEvents(events <-chan watch.Event, rv string) (string, string) {
	for ev := range events {
		switch ev.Type {
		case watch.Deleted:
			return rv, podDeleted
		case watch.Added, watch.Modified:
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			if !podRunning(p) {
				return rv, notRunning(p)
			}
			rv = p.ResourceVersion
		case watch.Bookmark:
			if m, err := meta.Accessor(ev.Object); err == nil {
				rv = m.GetResourceVersion()
			}
		case watch.Error:
			if err := apierrors.FromObject(ev.Object); apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
				return "", ""
			}
		}
	}
	return rv, ""
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
