package cluster

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tiergate/tiergate/kinds"
)

// TestListAllRestartsOnExpiredContinue: a continue token that expires
// mid-list (410 Gone, reason Expired) starts the list over with one full
// list, as client-go's pager does: the result is the full list, once,
// not an error and not the first page twice.
func TestListAllRestartsOnExpiredContinue(t *testing.T) {
	defer SetPageSize(2)()
	ns := func(names ...string) string {
		s := ""
		for i, n := range names {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprintf(`{"metadata":{"name":%q}}`, n)
		}
		return s
	}
	var mu sync.Mutex
	var asked []string
	c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		asked = append(asked, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path != "/api/v1/namespaces":
			http.NotFound(w, r)
		case q.Get("continue") == "t1":
			w.WriteHeader(http.StatusGone)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"The provided continue parameter is too old","reason":"Expired","code":410}`)
		case q.Get("limit") == "2":
			fmt.Fprintf(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{"continue":"t1"},"items":[%s]}`, ns("a", "b"))
		default:
			fmt.Fprintf(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[%s]}`, ns("a", "b", "c"))
		}
	})
	ls := &Lister{c: c, isCustom: map[schema.GroupVersionResource]bool{}}
	objs, err := ls.listAll(context.Background(), resNamespaces)
	if err != nil {
		t.Fatalf("listAll: %v (asked %q)", err, asked)
	}
	var names []string
	for _, o := range objs {
		m, err := meta.Accessor(o)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m.GetName())
	}
	if fmt.Sprint(names) != "[a b c]" {
		t.Errorf("listed %q, want [a b c] (asked %q)", names, asked)
	}
}

// TestWantedSaysDiscoveryFailures: a group version discovery cannot
// answer for (503 from an aggregated API that is down) is a gap naming
// the kind it would serve, not a kind silently left out; group versions
// the server does not serve (404) are left out without a word.
func TestWantedSaysDiscoveryFailures(t *testing.T) {
	gvr := kinds.InferenceService.GVRs()[0]
	down := "/apis/" + gvr.Group + "/" + gvr.Version
	c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == down {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"service unavailable","reason":"ServiceUnavailable","code":503}`)
			return
		}
		http.NotFound(w, r)
	})
	_, customs, gaps := wanted(context.Background(), c)
	if len(customs) != 0 {
		t.Errorf("customs served: %v", customs)
	}
	var lines []string
	for _, g := range gaps {
		lines = append(lines, g.String())
	}
	want := gvr.Resource + "." + gvr.Group + ": discovery failed: "
	if len(lines) != 1 || !strings.HasPrefix(lines[0], want) || !strings.Contains(lines[0], "service unavailable") {
		t.Errorf("gaps %q, want one starting %q", lines, want)
	}
}

// TestWantedWithinContext: discovery is bounded by the caller's context
// (the one-shot setup's --request-timeout or 10 seconds), not by the
// discovery client's own 32 seconds: a group version that does not
// answer in time is a gap.
func TestWantedWithinContext(t *testing.T) {
	gvr := kinds.InferenceService.GVRs()[0]
	hang := "/apis/" + gvr.Group + "/" + gvr.Version
	c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == hang {
			<-r.Context().Done()
			return
		}
		http.NotFound(w, r)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, gaps := wanted(ctx, c)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("discovery took %v past its context", took)
	}
	if len(gaps) != 1 || !strings.HasPrefix(gaps[0].String(), gvr.Resource+"."+gvr.Group+": discovery failed: ") {
		t.Errorf("gaps %q", gaps)
	}
}

// TestInventoryFailsFastOnPods: pods that cannot be listed end the
// one-shot audit at once, with the pods' error; a slow list of another
// resource is not waited for to its timeout.
func TestInventoryFailsFastOnPods(t *testing.T) {
	c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/pods":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods is forbidden","reason":"Forbidden","code":403}`)
		case "/api/v1/nodes":
			<-r.Context().Done() // a list that never ends
		default:
			http.NotFound(w, r)
		}
	})
	ls := &Lister{c: c, want: []readable{resPods, resNodes}, allowed: map[schema.GroupVersionResource]bool{resPods.gvr: true, resNodes.gvr: true}, isCustom: map[schema.GroupVersionResource]bool{}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err := ls.Inventory(ctx)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v: waited for the nodes after the pods failed", took)
	}
	if err == nil || !strings.Contains(err.Error(), "refused access") {
		t.Errorf("err %v, want the pods' refusal", err)
	}
}
