package applier

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/remediate"
)

// TestWarningsFiledUnderTheirObject: through a real REST client, each
// object's outcome holds the warnings of its own requests, each once, and
// the live object's GitOps marks.
func TestWarningsFiledUnderTheirObject(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		d := deployment("x", nil)
		d.SetName(name)
		if name == "argo" {
			d.SetLabels(map[string]string{"argocd.argoproj.io/instance": "shop"})
		}
		if r.Method == http.MethodPatch {
			d = deployment("x", "kata-qemu")
			d.SetName(name)
		}
		// The server warns about both requests of an object, the same.
		w.Header().Add("Warning", fmt.Sprintf(`299 - "would violate PodSecurity \"restricted:latest\": %s"`, name))
		w.Header().Add("Warning", `199 - "not the server's"`)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(d.Object)
	}))
	defer srv.Close()
	a, err := New(&rest.Config{Host: srv.URL, WarningHandler: rest.NewWarningWriter(&failWriter{t}, rest.WarningWriterOptions{})})
	if err != nil {
		t.Fatal(err)
	}
	item := func(name string) Item {
		return Item{Target: remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: name}, Patch: []byte(`{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu"}}}}`)}
	}
	outs := Each(context.Background(), []Item{item("plain"), item("argo")}, a.DryRun)
	for i, name := range []string{"plain", "argo"} {
		o := outs[i]
		if o.Err != nil {
			t.Fatalf("%s: %v", name, o.Err)
		}
		want := fmt.Sprintf(`[would violate PodSecurity "restricted:latest": %s]`, name)
		if fmt.Sprint(o.Warnings) != want {
			t.Errorf("%s: warnings %q, want %s", name, o.Warnings, want)
		}
	}
	if outs[0].GitOps != nil || outs[1].GitOps == nil || outs[1].GitOps.Tool != "Argo CD" {
		t.Errorf("GitOps: %+v, %+v", outs[0].GitOps, outs[1].GitOps)
	}
	// The apply warns the same: nothing new to show for the object.
	applied := a.Apply(context.Background(), item("plain"))
	if got := NewWarnings(outs[0].Warnings, applied); len(applied.Warnings) != 1 || len(got) != 0 {
		t.Errorf("apply warnings %q, new %q", applied.Warnings, got)
	}
}

// failWriter fails the test when written to: no warning may bypass the
// per-request handler.
type failWriter struct{ t *testing.T }

func (f *failWriter) Write(p []byte) (int, error) {
	f.t.Errorf("a warning went to the config's own handler: %s", p)
	return len(p), nil
}
