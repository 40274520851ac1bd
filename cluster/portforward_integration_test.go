//go:build integration

package cluster_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
)

// Each port-forward test has its own namespace and kwok node (named
// after it), created and removed by it, so that no other test of this
// binary sees them; its pod is pfPod.
const (
	pfPod  = "llm"
	pfPort = 8000
)

// forwardLab makes namespace ns with a Running pod on a kwok node of its
// own and returns a kube client; everything is deleted when the test ends.
func forwardLab(t *testing.T, ns string) kubernetes.Interface {
	t.Helper()
	pfNamespace, pfNode := ns, ns+"-node"
	ctx := context.Background()
	kube, err := kubernetes.NewForConfig(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	zero := int64(0)
	t.Cleanup(func() {
		ctx := context.Background()
		_ = kube.CoreV1().Namespaces().Delete(ctx, pfNamespace, metav1.DeleteOptions{})
		_ = kube.CoreV1().Nodes().Delete(ctx, pfNode, metav1.DeleteOptions{})
		// Wait until the namespace and its pods are gone, so that later
		// tests (and a -count=N rerun) never see them.
		if err := waitFor(60*time.Second, func() bool {
			_, err := kube.CoreV1().Namespaces().Get(ctx, pfNamespace, metav1.GetOptions{})
			return apierrors.IsNotFound(err)
		}); err != nil {
			t.Errorf("namespace %s still there: %v", pfNamespace, err)
		}
	})
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: pfNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	// Pods are admitted once the namespace's default ServiceAccount is
	// there (kube-controller-manager makes it a moment after).
	if err := waitFor(30*time.Second, func() bool {
		_, err := kube.CoreV1().ServiceAccounts(pfNamespace).Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	}); err != nil {
		t.Fatalf("namespace %s has no default ServiceAccount: %v", pfNamespace, err)
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: pfNode, Annotations: map[string]string{seed.KwokNodeAnnotation: "fake"}}}
	if _, err := kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: pfPod, Namespace: pfNamespace},
		Spec: corev1.PodSpec{NodeName: pfNode, TerminationGracePeriodSeconds: &zero, Containers: []corev1.Container{{
			Name: "server", Image: "ghcr.io/acme/llm-server:1", Ports: []corev1.ContainerPort{{ContainerPort: pfPort}},
		}}},
	}
	if _, err := kube.CoreV1().Pods(pfNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(60*time.Second, func() bool {
		p, err := kube.CoreV1().Pods(pfNamespace).Get(ctx, pfPod, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning
	}); err != nil {
		t.Fatalf("pod %s/%s: %v", pfNamespace, pfPod, err)
	}
	return kube
}

// klogCapture sends klog's output (where client-go's forwarder would
// report "Handling connection", copy errors and refusals) to a buffer
// until the test ends: Forward must keep all of that off the user's
// streams.
func klogCapture(t *testing.T) *syncBuffer {
	t.Helper()
	var buf syncBuffer
	klog.LogToStderr(false)
	klog.SetOutput(&buf)
	t.Cleanup(func() { klog.Flush(); klog.LogToStderr(true) })
	return &buf
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	klog.Flush()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(timeout time.Duration, ok func() bool) error {
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s", timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// addRule points port of the lab's pods at target and removes the rule
// when the test ends.
func addRule(t *testing.T, ns, name string, port int32, target string) {
	t.Helper()
	sel := testcluster.PortForwardSelector{Namespaces: []string{ns}}
	if err := cl.AddPortForward(context.Background(), name, sel, port, target); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.RemovePortForward(context.Background(), name) })
}

// forwardOnceRuleLoaded forwards, retrying while kwok has not yet loaded
// the rule from its watch (the only error that is retried).
func forwardOnceRuleLoaded(t *testing.T, cfg *rest.Config, ns string, port int32) (string, func(), error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		addr, stop, err := cluster.Forward(ctx, cfg, ns, pfPod, port)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "no forward found") || time.Now().After(deadline) {
			return addr, stop, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestForwardReachesTheServerBehindThePod forwards through the real API
// server to kwok's kubelet server, which dials an httptest server: a GET
// returns its body, over the websocket tunnel; a streamed response
// arrives chunk by chunk; stop closes the listener.
func TestForwardReachesTheServerBehindThePod(t *testing.T) {
	const pfNamespace = "pf-reach"
	forwardLab(t, pfNamespace)
	next := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stream" {
			_, _ = io.WriteString(w, "hello from the pod")
			return
		}
		// Each chunk waits until the client has read the previous
		// one: a forward that buffered the response would never
		// deliver the first.
		for i := range 3 {
			if i > 0 {
				select {
				case <-next:
				case <-r.Context().Done():
					return
				}
			}
			fmt.Fprintf(w, "chunk %d\n", i)
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	addRule(t, pfNamespace, "pf-test-server", pfPort, srv.Listener.Addr().String())

	logged := klogCapture(t)
	var mu sync.Mutex
	var vias []string
	defer cluster.ObserveDials(func(via string) { mu.Lock(); vias = append(vias, via); mu.Unlock() })()
	addr, stop, err := forwardOnceRuleLoaded(t, cl.Config, pfNamespace, pfPort)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("address %q is not on 127.0.0.1", addr)
	}
	// Every dial (one per attempt while kwok loads the rule) took the
	// websocket tunnel: the 1.37 API server upgrades it, so kubectl's
	// SPDY fallback is never needed here.
	mu.Lock()
	if len(vias) == 0 || slices.ContainsFunc(vias, func(v string) bool { return v != "websocket" }) {
		t.Errorf("dialed via %v, want the websocket tunnel every time (API server 1.37)", vias)
	}
	mu.Unlock()

	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello from the pod" {
		t.Errorf("body %q", body)
	}

	resp, err = client.Get("http://" + addr + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(resp.Body)
	for i := range 3 {
		if i > 0 {
			next <- struct{}{}
		}
		line, err := lines.ReadString('\n')
		if err != nil || line != fmt.Sprintf("chunk %d\n", i) {
			t.Fatalf("chunk %d: %q, %v", i, line, err)
		}
	}
	resp.Body.Close()

	if out := logged.String(); out != "" {
		t.Errorf("the forward logged through klog:\n%s", out)
	}
	stop()
	stop() // idempotent
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the listener is still open after stop")
	}
}

// TestForwardErrorsSayWhatFailed: a pod that does not exist, one that is
// not running, a user without pods/portforward, and a port nothing
// listens on behind the pod each get their own one-line error.
func TestForwardErrorsSayWhatFailed(t *testing.T) {
	const pfNamespace = "pf-errors"
	kube := forwardLab(t, pfNamespace)
	ctx := context.Background()

	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := refused.Addr().String()
	refused.Close()
	addRule(t, pfNamespace, "pf-test-refused", 9000, closedPort)

	pending := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pending", Namespace: pfNamespace},
		Spec: corev1.PodSpec{NodeName: "pf-node-that-does-not-exist", Containers: []corev1.Container{{Name: "c", Image: "ghcr.io/acme/x:1"}}}}
	if _, err := kube.CoreV1().Pods(pfNamespace).Create(ctx, pending, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	zero := int64(0)
	defer func() {
		_ = kube.CoreV1().Pods(pfNamespace).Delete(ctx, "pending", metav1.DeleteOptions{GracePeriodSeconds: &zero})
	}()

	// Users who may read pods but not create pods/portforward.
	users := map[string]*rest.Config{}
	for name, verbs := range map[string][]string{"pf-none": nil, "pf-get": {"get"}} {
		rules := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}}}
		if verbs != nil {
			rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/portforward"}, Verbs: verbs})
		}
		u, err := cl.NewUser(ctx, name, testcluster.UserOptions{Namespace: pfNamespace, Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u.Config
	}

	logged := klogCapture(t)
	forward := func(cfg *rest.Config, pod string, port int32) error {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_, stop, err := cluster.Forward(ctx, cfg, pfNamespace, pod, port)
		if err == nil {
			stop()
		}
		return err
	}
	for _, c := range []struct {
		name string
		err  func() error
		want string
	}{
		{"missing pod", func() error { return forward(cl.Config, "no-such-pod", pfPort) }, "port-forward to pod pf-errors/no-such-pod port 8000: pod not found"},
		{"pending pod", func() error { return forward(cl.Config, "pending", pfPort) }, "port-forward to pod pf-errors/pending port 8000: pod is not running (phase Pending)"},
		{"no pods/portforward", func() error { return forward(users["pf-none"], pfPod, pfPort) },
			"port-forward to pod pf-errors/llm port 8000: forbidden: port-forward needs create on pods/portforward in namespace pf-errors"},
		{"get only", func() error { return forward(users["pf-get"], pfPod, pfPort) },
			"port-forward to pod pf-errors/llm port 8000: forbidden: port-forward needs create on pods/portforward in namespace pf-errors"},
		{"refused port", func() error {
			_, _, err := forwardOnceRuleLoaded(t, cl.Config, pfNamespace, 9000)
			return err
		}, "port-forward to pod pf-errors/llm port 9000: the pod refused the connection: "},
		{"bad port", func() error { return forward(cl.Config, pfPod, 0) }, "port-forward to pod pf-errors/llm port 0: the port must be 1-65535"},
	} {
		err := c.err()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: got %q, want a line starting %q", c.name, msg, c.want)
		} else {
			t.Logf("%s: %s", c.name, msg)
		}
	}
	if out := logged.String(); out != "" {
		t.Errorf("the failed forwards logged through klog:\n%s", out)
	}
}

// TestForwardFallsBackToSPDY: a user with create but not get on
// pods/portforward is refused the websocket upgrade (a GET) and gets
// through over SPDY (a POST), as with kubectl.
func TestForwardFallsBackToSPDY(t *testing.T) {
	const pfNamespace = "pf-spdy"
	forwardLab(t, pfNamespace)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello over spdy")
	}))
	defer srv.Close()
	addRule(t, pfNamespace, "pf-test-spdy", pfPort, srv.Listener.Addr().String())
	u, err := cl.NewUser(context.Background(), "pf-create", testcluster.UserOptions{Namespace: pfNamespace, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}},
		{APIGroups: []string{""}, Resources: []string{"pods/portforward"}, Verbs: []string{"create"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var vias []string
	defer cluster.ObserveDials(func(via string) { mu.Lock(); vias = append(vias, via); mu.Unlock() })()
	addr, stop, err := forwardOnceRuleLoaded(t, u.Config, pfNamespace, pfPort)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	mu.Lock()
	if len(vias) == 0 || slices.ContainsFunc(vias, func(v string) bool { return v != "spdy" }) {
		t.Errorf("dialed via %v, want SPDY every time", vias)
	}
	mu.Unlock()
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello over spdy" {
		t.Errorf("body %q", body)
	}
}

// TestForwardFailsFastWhenItsConnectionIsLost cuts the forward's
// connection to the API server in the middle of a streamed response: the
// read in flight fails and a new request is refused, neither hangs.
func TestForwardFailsFastWhenItsConnectionIsLost(t *testing.T) {
	const pfNamespace = "pf-lost"
	forwardLab(t, pfNamespace)
	addRule(t, pfNamespace, "pf-test-lost", pfPort, firstLineServer(t))

	proxy := newCuttableProxy(t, cl.Config.Host)
	cfg := rest.CopyConfig(cl.Config)
	cfg.Host = "https://" + proxy.addr()
	addr, stop, err := forwardOnceRuleLoaded(t, cfg, pfNamespace, pfPort)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	lines := openStream(t, addr)
	proxy.cut()
	ended, err := readToEnd(lines)
	switch {
	case !ended:
		t.Fatal("the read in flight still hangs 15s after the forward's connection was lost")
	case err == nil:
		t.Log("the response ended (EOF) when the connection was lost")
	}
	client := &http.Client{Timeout: 15 * time.Second}
	if err := waitFor(15*time.Second, func() bool {
		r, err := client.Get("http://" + addr + "/")
		if err == nil {
			r.Body.Close()
		}
		var netErr net.Error
		return err != nil && !(errors.As(err, &netErr) && netErr.Timeout())
	}); err != nil {
		t.Errorf("requests through a lost forward still succeed or time out: %v", err)
	}
}

// TestForwardEndsWhenThePodIsDeleted deletes the pod in the middle of a
// streamed response: kwok (unlike a kubelet) keeps its streams open, so
// it is the forward's own watch of the pod that must end it; the read in
// flight fails and new requests are refused.
func TestForwardEndsWhenThePodIsDeleted(t *testing.T) {
	const pfNamespace = "pf-deleted"
	kube := forwardLab(t, pfNamespace)
	addRule(t, pfNamespace, "pf-test-deleted", pfPort, firstLineServer(t))
	addr, stop, err := forwardOnceRuleLoaded(t, cl.Config, pfNamespace, pfPort)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	lines := openStream(t, addr)
	zero := int64(0)
	if err := kube.CoreV1().Pods(pfNamespace).Delete(context.Background(), pfPod, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	ended, err := readToEnd(lines)
	switch {
	case !ended:
		t.Fatal("the read in flight still hangs 15s after the pod was deleted")
	case err == nil:
		t.Error("the cut response ended as if complete")
	}
	// client-go closes the streams a moment before the listener.
	if err := waitFor(5*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	}); err != nil {
		t.Errorf("the forward still accepts connections after its pod was deleted: %v", err)
	}
}

// firstLineServer answers every request with one line and holds the
// response open until the test ends: a stream to cut in the middle.
func firstLineServer(t *testing.T) string {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select { // the rest never comes while the test runs
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: Close waits for the handlers
	return srv.Listener.Addr().String()
}

// openStream GETs through the forward at addr and reads the first line:
// the rest of the response is then in flight.
func openStream(t *testing.T, addr string) *bufio.Reader {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	lines := bufio.NewReader(resp.Body)
	if line, err := lines.ReadString('\n'); line != "first\n" || err != nil {
		t.Fatalf("first line %q, %v", line, err)
	}
	return lines
}

// readToEnd reads the rest of a response in flight: false when it still
// hangs after 15 seconds, else how it ended.
func readToEnd(r io.Reader) (bool, error) {
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r)
		done <- err
	}()
	select {
	case err := <-done:
		return true, err
	case <-time.After(15 * time.Second):
		return false, nil
	}
}

// cuttableProxy passes TCP to the API server (TLS goes through untouched)
// and can cut every connection at once, as a network failure would.
type cuttableProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCuttableProxy(t *testing.T, apiServer string) *cuttableProxy {
	t.Helper()
	upstream := strings.TrimPrefix(apiServer, "https://")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableProxy{ln: ln}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
	return p
}

func (p *cuttableProxy) addr() string { return p.ln.Addr().String() }

func (p *cuttableProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
