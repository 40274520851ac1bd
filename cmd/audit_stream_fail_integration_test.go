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
// proxy in front of the lab lists the pods a pod a page and fails the
// third page: the fetcher asks for it only once the audit has taken the
// first (it holds at most one page ahead), so the audit has started.
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
	var continued atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/pods" && r.Method == http.MethodGet {
			q := r.URL.Query()
			if q.Get("continue") != "" && continued.Add(1) >= 2 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"etcd is on fire","reason":"InternalError","code":500}`)
				return
			}
			if q.Get("limit") != "" {
				q.Set("limit", "1")
				r.URL.RawQuery = q.Encode()
			}
		}
		forward.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	raw := clientcmdapi.NewConfig()
	raw.Clusters["proxy"] = &clientcmdapi.Cluster{Server: proxy.URL}
	raw.AuthInfos["proxy"] = &clientcmdapi.AuthInfo{}
	raw.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxy"}
	raw.CurrentContext = "proxy"
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*raw, kc); err != nil {
		t.Fatal(err)
	}
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
}
