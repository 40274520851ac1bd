package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/klog/v2"
	"k8s.io/streaming/pkg/httpstream"

	"github.com/tiergate/tiergate/internal/textutil"
)

// Ways a forward's stream connection is opened (kubectl's order).
const (
	viaWebsocket = "websocket"
	viaSPDY      = "spdy"
)

// dialedVia, when set, learns which dialer opened a forward's connection
// (tests prove the websocket path is the one a current API server takes).
var dialedVia func(via string)

// probeWindow is how long Forward's first connection waits for the pod's
// side to refuse the port: a refusal comes back at once (the kubelet's
// dial fails), an accepted connection just stays open.
const probeWindow = 500 * time.Millisecond

// Forward opens a port-forward to pod ns/name's port through the API server,
// as kubectl port-forward does (websocket tunnelling first, SPDY as the
// fallback), listening on 127.0.0.1 on a free port. It returns once the
// forward is ready and the pod's side accepted a first connection, with
// the local address ("127.0.0.1:PORT") and a stop function (idempotent;
// it returns once the listener is closed). ctx bounds the setup only.
//
// The forward ends, as kubectl's does, when its connection to the API
// server is lost or one of its connections fails inside the pod, and also
// when the pod is deleted or stops running (a watch; without watch on
// pods it relies on the kubelet closing the streams): then connections
// through it fail (their reads end, new ones are refused) instead of
// hanging. The user needs get on pods and create on pods/portforward.
func Forward(ctx context.Context, cfg *rest.Config, namespace, pod string, port int32) (addr string, stop func(), err error) {
	what := fmt.Sprintf("port-forward to pod %s/%s port %d", namespace, pod, port)
	if port < 1 || port > 65535 {
		return "", nil, fmt.Errorf("%s: the port must be 1-65535", what)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %v", what, err)
	}
	rv, err := forwardable(ctx, kube, namespace, pod)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", what, err)
	}
	// The forwarder reports through its logger, never to our streams:
	// errors are kept for the returned error, the rest is dropped.
	errs := &firstError{}
	logger := logr.New(errs)
	dialer, err := forwardDialer(logger, cfg, kube.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod).SubResource("portforward").URL())
	if err != nil {
		return "", nil, fmt.Errorf("%s: %v", what, err)
	}
	fwdCtx, cancel := context.WithCancel(klog.NewContext(context.Background(), logger))
	ready := make(chan struct{})
	pf, err := portforward.NewOnAddressesForStreamingWithContext(fwdCtx, dialer, []string{"127.0.0.1"}, []string{"0:" + strconv.Itoa(int(port))}, ready, io.Discard, io.Discard)
	if err != nil {
		cancel()
		return "", nil, fmt.Errorf("%s: %v", what, err)
	}
	ended, watched := make(chan struct{}), make(chan struct{})
	var endErr error
	var podGone string
	go func() {
		endErr = pf.ForwardPorts()
		close(ended)
	}()
	// A kubelet closes the forward's streams when the pod's containers
	// die; the watch ends the forward when the pod is deleted or stops
	// running even where that does not happen (kwok, a wedged runtime).
	go func() {
		defer close(watched)
		podGone = watchPod(fwdCtx, kube, namespace, pod, rv)
		cancel()
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-ended
			<-watched
		})
	}

	select {
	case <-ready:
	case <-ended:
		cancel()
		<-watched
		if podGone != "" {
			return "", nil, fmt.Errorf("%s: %s", what, podGone)
		}
		return "", nil, fmt.Errorf("%s: %s", what, explainDialFailure(ctx, kube, namespace, pod, endErr))
	case <-ctx.Done():
		// The dial may still be under way: cancelling ends the forwarder
		// as soon as it returns; waiting for it is not ctx-bounded.
		cancel()
		return "", nil, fmt.Errorf("%s: %v", what, ctx.Err())
	}
	ports, err := pf.GetPorts()
	if err != nil || len(ports) != 1 {
		stop()
		return "", nil, fmt.Errorf("%s: no local port: %v", what, err)
	}
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(int(ports[0].Local)))
	if err := probe(ctx, addr, errs); err != nil {
		stop()
		return "", nil, fmt.Errorf("%s: %v", what, err)
	}
	return addr, stop, nil
}

// forwardable checks what kubectl port-forward checks first: the pod
// exists and is running. It returns the pod's resourceVersion, where
// watching it starts.
func forwardable(ctx context.Context, kube kubernetes.Interface, namespace, pod string) (string, error) {
	p, err := kube.CoreV1().Pods(namespace).Get(ctx, pod, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return "", errors.New("pod not found")
	case apierrors.IsForbidden(err):
		return "", fmt.Errorf("forbidden: port-forward needs get on pods in namespace %s", namespace)
	case err != nil:
		return "", err
	}
	if p.Status.Phase != corev1.PodRunning {
		return "", fmt.Errorf("pod is not running (phase %s)", p.Status.Phase)
	}
	return p.ResourceVersion, nil
}

// forwardDialer is kubectl port-forward's dialer: SPDY tunnelled over a
// websocket first, plain SPDY when the server refuses the websocket
// upgrade (API servers before 1.31, or a proxy in between).
func forwardDialer(logger logr.Logger, cfg *rest.Config, u *url.URL) (httpstream.Dialer, error) {
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	spdyDialer := spdy.NewDialerForStreaming(upgrader, &http.Client{Transport: transport}, http.MethodPost, u)
	tunnel, err := portforward.NewSPDYOverWebsocketDialerForStreamingWithLogger(logger, u, cfg)
	if err != nil {
		return nil, err
	}
	return withFallback(tunnel, spdyDialer), nil
}

// withFallback tries the websocket tunnel, then SPDY when the tunnel's
// upgrade failed (a server that does not know it, a proxy that cannot
// carry it, or an upgrade denied: a user with create but not get on
// pods/portforward), as kubectl does; other dial errors are final.
func withFallback(websocket, spdy httpstream.Dialer) httpstream.Dialer {
	return portforward.NewFallbackDialerForStreaming(observed{websocket, viaWebsocket}, observed{spdy, viaSPDY}, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
}

// observed tells dialedVia which dialer succeeded.
type observed struct {
	httpstream.Dialer
	via string
}

func (o observed) Dial(protocols ...string) (httpstream.Connection, string, error) {
	conn, proto, err := o.Dialer.Dial(protocols...)
	if err == nil && dialedVia != nil {
		dialedVia(o.via)
	}
	return conn, proto, err
}

// explainDialFailure turns a failed upgrade into what the user must fix:
// when the API server denies the user create on pods/portforward, that
// (the upgrade's own error names the verb of the last dialer only).
// create is what counts: SPDY's upgrade (a POST) needs only it, the
// websocket's (a GET) needs get and, on 1.35+ servers, create too.
func explainDialFailure(ctx context.Context, kube kubernetes.Interface, namespace, pod string, err error) string {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: "create", Resource: "pods", Subresource: "portforward", Name: pod},
	}}
	if r, rerr := kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{}); rerr == nil && !r.Status.Allowed {
		return "forbidden: port-forward needs create on pods/portforward in namespace " + namespace
	}
	if err == nil {
		return "the forward ended before it was ready"
	}
	return textutil.OneLine(err.Error())
}

// probe opens one connection through the forward and waits probeWindow
// (or until ctx ends) for the pod's side to refuse it. client-go closes
// the local connection only after it has handled the error the kubelet
// sent, so once the read returns, errs holds the refusal if there was one.
func probe(ctx context.Context, addr string, errs *firstError) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(probeWindow)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetReadDeadline(deadline)
	_, _ = conn.Read(make([]byte, 1))
	_ = conn.Close()
	if err := errs.get(); err != nil {
		// err is what the kubelet sent: it names the port and why.
		return fmt.Errorf("the pod refused the connection: %s", textutil.OneLine(err.Error()))
	}
	return nil
}

// firstError is a logr sink that keeps the first error the forwarder
// logs (the error itself, without client-go's message around it) and
// drops everything else.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *firstError) Init(logr.RuntimeInfo)          {}
func (f *firstError) Enabled(int) bool               { return false }
func (f *firstError) Info(int, string, ...any)       {}
func (f *firstError) WithValues(...any) logr.LogSink { return f }
func (f *firstError) WithName(string) logr.LogSink   { return f }
func (f *firstError) Error(err error, _ string, _ ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil && err != nil {
		f.err = err
	}
}
