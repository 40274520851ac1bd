package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/streaming/pkg/httpstream"
)

// fakeDialer answers Dial with err, counting the calls.
type fakeDialer struct {
	err   error
	calls int
}

func (d *fakeDialer) Dial(...string) (httpstream.Connection, string, error) {
	d.calls++
	if d.err != nil {
		return nil, "", d.err
	}
	return nil, "portforward.k8s.io", nil
}

func TestWithFallbackTakesSPDYWhenTheWebsocketUpgradeFails(t *testing.T) {
	for _, c := range []struct {
		name      string
		wsErr     error
		wantVia   string
		wantSPDY  int
		wantError bool
	}{
		{"websocket upgraded", nil, viaWebsocket, 0, false},
		{"server without websocket upgrades", &httpstream.UpgradeFailureError{Cause: errors.New("400 Bad Request")}, viaSPDY, 1, false},
		{"denied websocket upgrade", &httpstream.UpgradeFailureError{Cause: errors.New(`pods "llm" is forbidden`)}, viaSPDY, 1, false},
		{"other dial errors are final", errors.New("dial tcp 127.0.0.1:6443: connect: connection refused"), "", 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var via string
			defer ObserveDials(func(v string) { via = v })()
			ws, sp := &fakeDialer{err: c.wsErr}, &fakeDialer{}
			_, _, err := withFallback(ws, sp).Dial("portforward.k8s.io")
			if (err != nil) != c.wantError || via != c.wantVia || sp.calls != c.wantSPDY || ws.calls != 1 {
				t.Errorf("err %v, via %q, websocket dials %d, spdy dials %d", err, via, ws.calls, sp.calls)
			}
		})
	}
}

func TestForwardableNeedsARunningPod(t *testing.T) {
	pod := func(name string, phase corev1.PodPhase) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "llm"}, Status: corev1.PodStatus{Phase: phase}}
	}
	kube := fake.NewClientset(pod("up", corev1.PodRunning), pod("starting", corev1.PodPending), pod("done", corev1.PodSucceeded))
	kube.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.(k8stesting.GetAction).GetName() == "secret-pod" {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "secret-pod", errors.New("no"))
		}
		return false, nil, nil
	})
	for pod, want := range map[string]string{
		"up":         "",
		"starting":   "pod is not running (phase Pending)",
		"done":       "pod is not running (phase Succeeded)",
		"missing":    "pod not found",
		"secret-pod": "forbidden: port-forward needs get on pods in namespace llm",
	} {
		_, err := forwardable(context.Background(), kube, "llm", pod)
		if got := errString(err); got != want {
			t.Errorf("%s: got %q, want %q", pod, got, want)
		}
	}
}

func TestExplainDialFailureNamesTheMissingPermission(t *testing.T) {
	for _, c := range []struct {
		allowed map[string]bool
		err     error
		want    string
	}{
		{map[string]bool{}, errors.New("x"), "forbidden: port-forward needs create on pods/portforward in namespace llm"},
		{map[string]bool{"get": true}, errors.New("x"), "forbidden: port-forward needs create on pods/portforward in namespace llm"},
		{map[string]bool{"create": true}, errors.New("error upgrading connection:\n  dial tcp: refused"), "error upgrading connection: dial tcp: refused"},
		{map[string]bool{"create": true}, nil, "the forward ended before it was ready"},
	} {
		kube := fake.NewClientset()
		kube.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
			r := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview).DeepCopy()
			ra := r.Spec.ResourceAttributes
			if ra.Resource != "pods" || ra.Subresource != "portforward" || ra.Namespace != "llm" || ra.Name != "p" {
				t.Errorf("review of %+v", ra)
			}
			r.Status.Allowed = c.allowed[ra.Verb]
			return true, r, nil
		})
		if got := explainDialFailure(context.Background(), kube, "llm", "p", c.err); got != c.want {
			t.Errorf("allowed %v: got %q, want %q", c.allowed, got, c.want)
		}
	}
}

func TestFirstErrorKeepsTheFirstErrorOnly(t *testing.T) {
	var f firstError
	if f.Enabled(0) {
		t.Error("info enabled: the forwarder's chatter would be formatted for nothing")
	}
	f.Info(0, "Handling connection for 8000")
	if f.get() != nil {
		t.Error("info kept as an error")
	}
	f.Error(errors.New("refused"), "An error occurred forwarding")
	f.Error(errors.New("later"), "Error closing listener")
	if got := errString(f.get()); got != "refused" {
		t.Errorf("got %q", got)
	}
}

func TestForwardRefusesABadPortBeforeAnyRequest(t *testing.T) {
	cfg := &rest.Config{Host: "https://127.0.0.1:1"} // nothing may be contacted
	for _, port := range []int32{0, -1, 65536} {
		_, stop, err := Forward(context.Background(), cfg, "llm", "p", port)
		if err == nil || stop != nil || !strings.HasSuffix(err.Error(), "the port must be 1-65535") {
			t.Errorf("port %d: %v", port, err)
		}
	}
}

func TestPodEventsEndWhenThePodGoesAway(t *testing.T) {
	pod := func(rv string, phase corev1.PodPhase) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", ResourceVersion: rv}, Status: corev1.PodStatus{Phase: phase}}
	}
	expired := &metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonExpired}
	for _, c := range []struct {
		name     string
		events   []watch.Event
		wantRV   string
		wantGone string
	}{
		{"still running: resume from the last version", []watch.Event{{Type: watch.Modified, Object: pod("5", corev1.PodRunning)}, {Type: watch.Bookmark, Object: pod("7", "")}}, "7", ""},
		{"deleted", []watch.Event{{Type: watch.Modified, Object: pod("5", corev1.PodRunning)}, {Type: watch.Deleted, Object: pod("6", corev1.PodRunning)}}, "5", "pod was deleted"},
		{"stopped running", []watch.Event{{Type: watch.Modified, Object: pod("5", corev1.PodFailed)}}, "1", "pod stopped running (phase Failed)"},
		{"too old to resume", []watch.Event{{Type: watch.Error, Object: expired}}, "", ""},
		{"closed at once", nil, "1", ""},
	} {
		ch := make(chan watch.Event, len(c.events))
		for _, e := range c.events {
			ch <- e
		}
		close(ch)
		rv, gone := podEvents(ch, "1")
		if rv != c.wantRV || gone != c.wantGone {
			t.Errorf("%s: rv %q gone %q, want %q %q", c.name, rv, gone, c.wantRV, c.wantGone)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
