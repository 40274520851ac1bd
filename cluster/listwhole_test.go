package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
)

// wholeNamespaces are the namespaces of wholeServer's pods, two each.
var wholeNamespaces = []string{"a", "b", "c", "d", "e", "f"}

// wholeServer is an API server of release 1.37 whose pods LIST, asked
// without a limit (a paginated request fails the test), is a protobuf
// body that serve writes: it gets the body and a writer that sends what
// it is given at once. Namespaces list as JSON, as a server may answer
// (the whole list's JSON path).
func wholeServer(t *testing.T, serve func(w http.ResponseWriter, r *http.Request, body []byte)) *Lister {
	t.Helper()
	return wholeServerWith(t, serve, wholeOptions{})
}

// wholeOptions vary wholeServer: slowNamespaces answers the namespaces'
// list only once its request is cancelled; http2 serves TLS and HTTP/2,
// as a real API server does.
type wholeOptions struct{ slowNamespaces, http2 bool }

func wholeServerWith(t *testing.T, serve func(w http.ResponseWriter, r *http.Request, body []byte), o wholeOptions) *Lister {
	t.Helper()
	body := protobufPods(t, true, wholePods()...)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.http2 && r.ProtoMajor != 2 {
			t.Errorf("%s over %s, want HTTP/2", r.URL, r.Proto)
		}
		switch {
		case r.URL.Path == "/version":
			fmt.Fprint(w, `{"major":"1","minor":"37","gitVersion":"v1.37.0"}`)
		case r.URL.Query().Has("limit") || r.URL.Query().Has("continue"):
			t.Errorf("a whole list asked in pages: %s", r.URL)
			http.Error(w, "paged", http.StatusBadRequest)
		case r.URL.Path == "/api/v1/namespaces" && o.slowNamespaces:
			<-r.Context().Done()
		case r.URL.Path == "/api/v1/namespaces":
			w.Header().Set("Content-Type", "application/json")
			var items []string
			for _, ns := range wholeNamespaces {
				items = append(items, fmt.Sprintf(`{"metadata":{"name":%q}}`, ns))
			}
			fmt.Fprintf(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[%s]}`, strings.Join(items, ","))
		case r.URL.Path == "/api/v1/pods":
			w.Header().Set("Content-Type", "application/vnd.kubernetes.protobuf")
			serve(w, r, body)
		default:
			http.NotFound(w, r)
		}
	}))
	cfg := &rest.Config{}
	if o.http2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
		cfg.Insecure = true
	} else {
		srv.Start()
	}
	cfg.Host = srv.URL
	t.Cleanup(srv.Close)
	c, err := NewClients(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Server = srv.URL
	if !c.wholeLists(context.Background()) {
		t.Fatal("a 1.37 server is listed in pages")
	}
	return &Lister{c: c, whole: true, want: []readable{resPods, resNamespaces}, allowed: map[schema.GroupVersionResource]bool{resPods.gvr: true, resNamespaces.gvr: true}, isCustom: map[schema.GroupVersionResource]bool{}}
}

// wholePods are wholeServer's pods.
func wholePods() []corev1.Pod {
	var pods []corev1.Pod
	for _, ns := range wholeNamespaces {
		for _, name := range []string{"p1", "p2"} {
			pods = append(pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "vllm/vllm-openai:v0.9.2"}}}})
		}
	}
	return pods
}

// flushed writes b and sends it at once.
func flushed(w http.ResponseWriter, b []byte) {
	_, _ = w.Write(b)
	w.(http.Flusher).Flush()
}

// TestStreamWholeList: a whole list's pods are handed over a namespace at
// a time as its body arrives, not once it has ended: the server sends
// the second half only after the first namespace was handed over. Every
// namespace comes once, in order, with its two pods; Inventory reads the
// same list whole.
func TestStreamWholeList(t *testing.T) {
	defer SetPageSize(1)()
	first := make(chan struct{})
	ls := wholeServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		flushed(w, body[:len(body)/2])
		select {
		case <-first:
		case <-time.After(10 * time.Second):
			t.Error("no namespace was handed over before the body ended")
		case <-r.Context().Done():
			return
		}
		flushed(w, body[len(body)/2:])
	})
	var once sync.Once
	var sent []string
	_, n, err := ls.Stream(context.Background(), time.Minute, func(*audit.Inventory) error { return nil }, func(ns string, ws []audit.Workload) error {
		once.Do(func() { close(first) })
		sent = append(sent, fmt.Sprintf("%s:%d", ns, len(ws)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(sent, ","); got != "a:2,b:2,c:2,d:2,e:2,f:2" || n != 12 {
		t.Errorf("handed over %s (%d workloads), want each namespace once with its two pods", got, n)
	}
	inv, err := ls.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Workloads) != 12 {
		t.Errorf("the inventory of a whole list has %d workloads, want 12", len(inv.Workloads))
	}
}

// TestStreamWholeListTimeout: a whole list's body that stalls is a
// timeout.
func TestStreamWholeListTimeout(t *testing.T) {
	defer SetPageSize(1)()
	ls := wholeServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		flushed(w, body[:len(body)/2])
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
			return
		}
		flushed(w, body[len(body)/2:])
	})
	_, _, err := ls.Stream(context.Background(), 300*time.Millisecond, func(*audit.Inventory) error { return nil }, func(string, []audit.Workload) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "did not list within the timeout") {
		t.Fatalf("error %v, want a timeout", err)
	}
}

// TestStreamWholeListSlowReader: the timeout bounds the whole list's
// request, not the reader of the report: a reader slower than the
// timeout (a pager on stdout) still gets every namespace, though the
// body's second half comes only after a pause and no byte of it waits in
// a buffer for the fetcher (unbufferedBody: a list larger than the
// connection's buffers). The relay's patience is out of reach: the body
// waits for the reader, and the clock stops meanwhile.
func TestStreamWholeListSlowReader(t *testing.T) {
	defer SetPageSize(1)()
	old := relayPatience
	relayPatience = time.Minute
	defer func() { relayPatience = old }()
	ls := wholeServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		t.Error("the pods' list reached the server, not the unbuffered body")
	})
	cfg := *ls.c.Config
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return unbufferedPods{next: rt, body: protobufPods(t, true, wholePods()...), write: func(w io.Writer, body []byte) error {
			if _, err := w.Write(body[:len(body)/2]); err != nil {
				return err
			}
			time.Sleep(200 * time.Millisecond)
			_, err := w.Write(body[len(body)/2:])
			return err
		}}
	}
	c, err := NewClients(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Server, ls.c = ls.c.Server, c
	var sent []string
	_, _, err = ls.Stream(context.Background(), time.Second, func(*audit.Inventory) error { return nil }, func(ns string, _ []audit.Workload) error {
		time.Sleep(500 * time.Millisecond) // three seconds in all
		sent = append(sent, ns)
		return nil
	})
	if err != nil {
		t.Fatalf("a reader slower than the timeout: %v", err)
	}
	if strings.Join(sent, ",") != strings.Join(wholeNamespaces, ",") {
		t.Errorf("handed over %q, want %q", sent, wholeNamespaces)
	}
}

// unbufferedPods answers the pods' LIST itself with wholeServer's body,
// which write sends through unbufferedBody; every other request goes on
// to the server.
type unbufferedPods struct {
	next  http.RoundTripper
	body  []byte
	write func(w io.Writer, body []byte) error
}

func (u unbufferedPods) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path != "/api/v1/pods" {
		return u.next.RoundTrip(r)
	}
	pr, pw := io.Pipe()
	stop := context.AfterFunc(r.Context(), func() { pr.CloseWithError(context.Cause(r.Context())) })
	go func() {
		defer stop()
		pw.CloseWithError(u.write(pw, u.body))
	}()
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/vnd.kubernetes.protobuf"}},
		Body:       unbufferedBody{ctx: r.Context(), r: pr},
		Request:    r,
	}, nil
}

// unbufferedBody is a response body that holds no byte ahead of its
// reader (each write waits for a read) and that fails once the request's
// context is done, as a connection's body does when the bytes it waits
// for are still on their way: a server's list larger than the buffers
// between it and tiergate.
type unbufferedBody struct {
	ctx context.Context
	r   *io.PipeReader
}

func (b unbufferedBody) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	return b.r.Read(p)
}

func (b unbufferedBody) Close() error { return b.r.Close() }

// TestStreamWholeListCut: a body the server cuts short after the audit
// started ends the stream with an error that says the pods' list was
// cut, after the namespaces whose pods had all arrived: over HTTP/1.1
// (the body ends early) and HTTP/2 (the server resets the stream, as an
// API server does), in the same words.
func TestStreamWholeListCut(t *testing.T) {
	for _, http2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("http2=%v", http2), func(t *testing.T) {
			defer SetPageSize(1)()
			first := make(chan struct{})
			ls := wholeServerWith(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				flushed(w, body[:len(body)/2])
				select {
				case <-first:
				case <-r.Context().Done():
				}
				panic(http.ErrAbortHandler) // the connection is cut mid-body
			}, wholeOptions{http2: http2})
			var once sync.Once
			var sent []string
			_, _, err := ls.Stream(context.Background(), time.Minute, func(*audit.Inventory) error { return nil }, func(ns string, _ []audit.Workload) error {
				once.Do(func() { close(first) })
				sent = append(sent, ns)
				return nil
			})
			if err == nil || !strings.Contains(err.Error(), "pods: the list ended before its last item") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q, want one line that says the pods' list ended early", err)
			}
			if len(sent) == 0 || len(sent) == len(wholeNamespaces) {
				t.Errorf("handed over %q: want the namespaces before the cut, not all", sent)
			}
			t.Logf("the person reads: %v", err)
		})
	}
}

// TestStreamWholeListInterrupted: ctrl+c while a whole list's body
// arrives says so, and the fetcher and its relay stop.
func TestStreamWholeListInterrupted(t *testing.T) {
	defer SetPageSize(1)()
	ctx, cancel := context.WithCancel(context.Background())
	ls := wholeServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		flushed(w, body[:len(body)/2])
		cancel() // the person presses ctrl+c while the body arrives
		<-r.Context().Done()
	})
	_, _, err := ls.Stream(ctx, time.Minute, func(*audit.Inventory) error { return nil }, func(string, []audit.Workload) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("error %v, want one that says the list was interrupted", err)
	}
}

// TestStreamWholeListFailsFast: a whole list that fails after pages of it
// were decoded (held for the audit, which has not started: the other
// lists are not done) ends the stream at once with the pods' error, as a
// paginated list that fails does: the other lists are stopped rather
// than waited for to the timeout, and nothing is handed over.
func TestStreamWholeListFailsFast(t *testing.T) {
	defer SetPageSize(1)()
	ls := wholeServerWith(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		flushed(w, body[:len(body)/2])
		panic(http.ErrAbortHandler) // the connection is cut mid-body
	}, wholeOptions{slowNamespaces: true})
	started := false
	_, _, err := ls.Stream(context.Background(), 3*time.Second, func(*audit.Inventory) error {
		started = true
		return nil
	}, func(string, []audit.Workload) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "pods: the list ended before its last item") {
		t.Fatalf("error %v, want the pods' list's", err)
	}
	if started {
		t.Error("the audit started after the pods failed: the other lists ran to the timeout")
	}
}

// TestWholeListsPageCustomResources: where built-in resources are read
// whole, custom resources are still read in pages (the dynamic client
// decodes a list's JSON whole: a whole list of many custom resources
// would be whole in memory), every page of them.
func TestWholeListsPageCustomResources(t *testing.T) {
	defer SetPageSize(1)()
	names := []string{"sbx-1", "sbx-2", "sbx-3"}
	var asked atomic.Int32
	c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/version":
			fmt.Fprint(w, `{"major":"1","minor":"37","gitVersion":"v1.37.0"}`)
		case "/apis/agents.x-k8s.io/v1beta1/namespaces/agents/sandboxes":
			asked.Add(1)
			q := r.URL.Query()
			if q.Get("limit") != "1" {
				t.Errorf("a custom resource listed whole: %s", r.URL)
			}
			i := max(0, slices.Index(names, q.Get("continue")))
			next := ""
			if i+1 < len(names) {
				next = names[i+1]
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"kind":"SandboxList","apiVersion":"agents.x-k8s.io/v1beta1","metadata":{"continue":%q},"items":[{"apiVersion":"agents.x-k8s.io/v1beta1","kind":"Sandbox","metadata":{"name":%q,"namespace":"agents"}}]}`, next, names[i])
		default:
			http.NotFound(w, r)
		}
	})
	sandboxes := watchOf(kinds.Sandbox)
	ls := &Lister{c: c, opts: Options{Namespace: "agents"}, whole: c.wholeLists(context.Background()), isCustom: map[schema.GroupVersionResource]bool{sandboxes.gvr: true}}
	if !ls.whole {
		t.Fatal("a 1.37 server is listed in pages")
	}
	objs, err := ls.listAll(context.Background(), sandboxes)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != len(names) || asked.Load() != int32(len(names)) {
		t.Errorf("listed %d sandboxes in %d requests, want %d in pages of one", len(objs), asked.Load(), len(names))
	}
}

// TestStreamWholeListReaderFails: a reader that fails (stdout closed
// under the report: `| head`) ends the stream with its error while the
// rest of the body, already arrived, is still being decoded; the fetcher
// and its relay stop rather than wait, forever, to hand over the pages
// they decode.
func TestStreamWholeListReaderFails(t *testing.T) {
	defer SetPageSize(1)()
	ls := wholeServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		flushed(w, body)
	})
	closed := errors.New("write /dev/stdout: broken pipe")
	returned := make(chan error, 1)
	go func() {
		_, _, err := ls.Stream(context.Background(), time.Minute, func(*audit.Inventory) error { return nil }, func(string, []audit.Workload) error {
			return closed
		})
		returned <- err
	}()
	select {
	case err := <-returned:
		if !errors.Is(err, closed) {
			t.Errorf("error %v, want the reader's", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not return after its reader failed")
	}
}

// TestWholeListRetriesAClosedConnection: a whole list whose connection
// closes before the answer (a load balancer's hiccup, an API server
// restarting) is asked again, as client-go asks again a paginated list's
// GET: twice here, the second time on a connection of its own.
func TestWholeListRetriesAClosedConnection(t *testing.T) {
	defer setListRetryWait(time.Millisecond)()
	var closed atomic.Int32
	ls := wholeServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if closed.Add(1) <= 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			_ = conn.Close()
			return
		}
		flushed(w, body)
	})
	var sent []string
	_, _, err := ls.Stream(context.Background(), time.Minute, func(*audit.Inventory) error { return nil }, func(ns string, _ []audit.Workload) error {
		sent = append(sent, ns)
		return nil
	})
	if err != nil {
		t.Fatalf("%v (the server closed %d connections)", err, closed.Load())
	}
	if strings.Join(sent, ",") != strings.Join(wholeNamespaces, ",") {
		t.Errorf("handed over %q, want %q", sent, wholeNamespaces)
	}
}

// TestStreamWholeListInterruptedAfterDecode: ctrl+c after the body was
// read to its end but before the reader took every page is an interrupt,
// not a shorter list that ends well.
func TestStreamWholeListInterruptedAfterDecode(t *testing.T) {
	defer SetPageSize(1)()
	ctx, cancel := context.WithCancel(context.Background())
	ls := wholeServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) { flushed(w, body) })
	var sent []string
	_, n, err := ls.Stream(ctx, time.Minute, func(*audit.Inventory) error { return nil }, func(ns string, ws []audit.Workload) error {
		if len(sent) == 0 {
			time.Sleep(100 * time.Millisecond) // the body is read meanwhile
			cancel()
			time.Sleep(100 * time.Millisecond)
		}
		sent = append(sent, ns)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("error %v with %d of 12 pods handed over, want one that says the list was interrupted", err, n)
	}
}
