package metrics

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
)

// TestKubePathsAndErrors runs the client-go readers against a stand-in
// API server that checks the proxy paths and the Accept header, serves
// the recorded Summary API response, and denies one node the way RBAC
// does (the message must survive, not turn into "unknown").
func TestKubePathsAndErrors(t *testing.T) {
	summary, err := os.ReadFile("testdata/summary-gke.json")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.Path)
		switch r.URL.Path {
		case "/api/v1/nodes/gke-1/proxy/stats/summary":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(summary)
		case "/api/v1/nodes/locked/proxy/stats/summary":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"nodes \"locked\" is forbidden: User \"dev\" cannot get resource \"nodes/proxy\"","reason":"Forbidden","code":403}`))
		case "/api/v1/namespaces/llm/pods/vllm-0:8000/proxy/metrics":
			if !strings.HasPrefix(r.Header.Get("Accept"), "text/plain;version=0.0.4") {
				http.Error(w, "want text format first in Accept: "+r.Header.Get("Accept"), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			_, _ = w.Write([]byte("vllm:generation_tokens_total 42\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	k, err := NewKube(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	body, err := k.Summary(ctx, "gke-1")
	if err != nil {
		t.Fatal(err)
	}
	if rss, err := SummaryRSS(body); err != nil || len(rss) != 2 {
		t.Errorf("summary through the proxy: %v %v", rss, err)
	}
	_, err = k.Summary(ctx, "locked")
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `cannot get resource "nodes/proxy"`) {
		t.Errorf("denied node: %v (forbidden %v)", err, apierrors.IsForbidden(err))
	}
	b, ct, err := k.Scrape(ctx, PodKey{"llm", "vllm-0"}, Port{Number: 8000, Path: "/metrics"})
	if err != nil || string(b) != "vllm:generation_tokens_total 42\n" || !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("pod proxy: %q %q %v", b, ct, err)
	}
	if _, _, err := k.Scrape(ctx, PodKey{"llm", "vllm-0"}, Port{Number: 9}); !apierrors.IsNotFound(err) {
		t.Errorf("a port with nothing: %v", err)
	}
}

func TestServiceProxyURL(t *testing.T) {
	for _, tt := range []struct{ host, service, want string }{
		{"https://10.0.0.1:6443", "monitoring/prometheus-k8s:9090", "https://10.0.0.1:6443/api/v1/namespaces/monitoring/services/http:prometheus-k8s:9090/proxy/"},
		{"https://rancher.example/k8s/clusters/c-abc", "obs/prometheus:web", "https://rancher.example/k8s/clusters/c-abc/api/v1/namespaces/obs/services/http:prometheus:web/proxy/"},
		{"10.0.0.1:6443", "m/p:9090", "https://10.0.0.1:6443/api/v1/namespaces/m/services/http:p:9090/proxy/"},
	} {
		got, rt, err := ServiceProxyURL(&rest.Config{Host: tt.host}, tt.service)
		if err != nil || got != tt.want || rt == nil {
			t.Errorf("%s %s: %q %v, want %q", tt.host, tt.service, got, err, tt.want)
		}
	}
	for _, bad := range []string{"prometheus:9090", "monitoring/prometheus", "/p:1", "m/:1"} {
		if _, _, err := ServiceProxyURL(&rest.Config{Host: "https://x"}, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// An exporter that never stops writing is cut off at MaxExposition with
// ErrTooLarge, before client-go has read it all; one that stops exactly at
// the limit is read whole.
func TestKubeScrapeIsBounded(t *testing.T) {
	var written atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		line := []byte("vllm:generation_tokens_total{model_name=\"m\"} 1\n")
		if strings.HasPrefix(r.URL.Path, "/api/v1/namespaces/llm/pods/exact:8000/") {
			_, _ = w.Write(bytes.Repeat([]byte("#"), MaxExposition-1))
			_, _ = w.Write([]byte("\n"))
			return
		}
		for r.Context().Err() == nil && written.Load() < 4*MaxExposition {
			n, err := w.Write(line)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	k, err := NewKube(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = k.Scrape(context.Background(), PodKey{Namespace: "llm", Name: "endless"}, Port{Number: 8000})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("an endless exposition: %v", err)
	}
	body, _, err := k.Scrape(context.Background(), PodKey{Namespace: "llm", Name: "exact"}, Port{Number: 8000})
	if err != nil || len(body) != MaxExposition {
		t.Fatalf("an exposition of exactly MaxExposition: %d bytes, %v", len(body), err)
	}
}
