package cluster

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"k8s.io/client-go/rest"
)

// fakeServer serves handle for the test and returns clients of it, its
// URL as the server messages name.
func fakeServer(t *testing.T, handle http.HandlerFunc) *Clients {
	t.Helper()
	srv := httptest.NewServer(handle)
	t.Cleanup(srv.Close)
	c, err := NewClients(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c.Server = srv.URL
	return c
}
