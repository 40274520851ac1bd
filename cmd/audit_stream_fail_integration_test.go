//go:build integration

package cmd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// TestLiveJSONStreamedListFailsMidway: pods that fail to list after the
// audit started writing end it with exit 2, the server's message, and
// word that the JSON on stdout is incomplete (it does not parse). A
// proxy in front of the lab says the server is a 1.32 (its lists go in
// pages), lists the pods a pod a page and fails the third page: the
// fetcher asks for it only once the audit has taken the first (it holds
// at most one page ahead), so the audit has started. A 1.37 server's
// whole list that the proxy cuts short ends the same way, before any
// namespace was written (the lab's pods are fewer than one page).
func TestLiveJSONStreamedListFailsMidway(t *testing.T) {
	seedExample(t)
	target, err := url.Parse(cl.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := rest.TransportFor(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	forward.Transport = rt
	t.Run("pages", func(t *testing.T) {
		var continued atomic.Int32
		kc := proxied(t, func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path == "/version":
				fmt.Fprint(w, `{"major":"1","minor":"32","gitVersion":"v1.32.9"}`)
				return
			case r.URL.Path == "/api/v1/pods" && r.Method == http.MethodGet:
				q := r.URL.Query()
				if q.Get("continue") != "" && continued.Add(1) >= 2 {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusInternalServerError)
					fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"etcd is on fire","reason":"InternalError","code":500}`)
					return
				}
				if q.Get("limit") == "" {
					t.Errorf("a 1.32 server's pods listed whole: %s", r.URL)
				}
				q.Set("limit", "1")
				r.URL.RawQuery = q.Encode()
			}
			forward.ServeHTTP(w, r)
		})
		out, errOut, code := run(t, "", "audit", "--kubeconfig", kc, "-A", "-o", "json")
		if code != ExitUsage || !strings.Contains(errOut, "etcd is on fire") || !strings.Contains(errOut, "the JSON on stdout is incomplete") {
			t.Fatalf("exit %d, stderr %q; want %d, the server's message and that stdout is incomplete", code, errOut, ExitUsage)
		}
		if json.Valid([]byte(out)) {
			t.Errorf("stdout is a whole JSON document: %.300s", out)
		}
		if continued.Load() < 2 {
			t.Errorf("the proxy failed no page (%d continued)", continued.Load())
		}
	})
	t.Run("whole list cut", func(t *testing.T) {
		var cut atomic.Bool
		kc := proxied(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/pods" && r.Method == http.MethodGet {
				if r.URL.Query().Has("limit") {
					t.Errorf("a 1.37 server's pods listed in pages: %s", r.URL)
				}
				cut.Store(true)
				w = &cutWriter{ResponseWriter: w, left: 200}
			}
			forward.ServeHTTP(w, r)
		})
		out, errOut, code := run(t, "", "audit", "--kubeconfig", kc, "-A", "-o", "json")
		if code != ExitUsage || !strings.Contains(errOut, "pods: the list ended before its last item") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Fatalf("exit %d, stderr %q; want %d and one line saying the pods' list ended early", code, errOut, ExitUsage)
		}
		if out != "" || !cut.Load() {
			t.Errorf("stdout %.300q (the list was cut: %v); want nothing written", out, cut.Load())
		}
	})
}

// proxied is a kubeconfig whose server is handle, a proxy in front of the
// lab.
func proxied(t *testing.T, handle http.HandlerFunc) string {
	t.Helper()
	proxy := httptest.NewServer(handle)
	t.Cleanup(proxy.Close)
	raw := clientcmdapi.NewConfig()
	raw.Clusters["proxy"] = &clientcmdapi.Cluster{Server: proxy.URL}
	raw.AuthInfos["proxy"] = &clientcmdapi.AuthInfo{}
	raw.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxy"}
	raw.CurrentContext = "proxy"
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*raw, kc); err != nil {
		t.Fatal(err)
	}
	return kc
}

// cutWriter passes left bytes of a response body on, then cuts the
// connection.
type cutWriter struct {
	http.ResponseWriter
	left int
}

func (w *cutWriter) Write(b []byte) (int, error) {
	if len(b) > w.left {
		_, _ = w.ResponseWriter.Write(b[:w.left])
		w.ResponseWriter.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	w.left -= len(b)
	return w.ResponseWriter.Write(b)
}
