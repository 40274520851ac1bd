package cluster

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/rest"
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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	}))
	defer srv.Close()
	c, err := NewClients(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := listAll(context.Background(), c, resNamespaces, "", false)
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
