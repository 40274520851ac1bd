package report

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// TestJSONPipeMatchesStream: the pipe writes JSONStream's bytes, for
// no results, fewer than a batch and several batches and a part.
func TestJSONPipeMatchesStream(t *testing.T) {
	for _, n := range []int{0, 1, pipeBatch, 3*pipeBatch + 7} {
		rep := &audit.Report{NotVisible: []string{"nodes: forbidden"}}
		for i := range n {
			rep.Workloads = append(rep.Workloads, audit.Result{Kind: "Pod", Namespace: "ns", Name: fmt.Sprintf("p-%04d", i), Type: policy.Agent,
				Findings: []audit.Finding{{Rule: "TG-ISO-001", Message: fmt.Sprintf("finding <%d>", i)}}})
		}
		var want, got bytes.Buffer
		if err := renderJSON(&want, rep, Options{}); err != nil {
			t.Fatal(err)
		}
		p := NewJSONPipe(&got, Options{})
		var r audit.Result // reused, as audit.Engine.Stream reuses its own
		for i := range rep.Workloads {
			r = rep.Workloads[i]
			if err := p.Workload(&r); err != nil {
				t.Fatal(err)
			}
		}
		r = audit.Result{Name: "overwritten after the last"}
		if err := p.Close(rep); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d results: the pipe's JSON differs from the stream's", n)
		}
	}
}

// TestJSONPipeCloseEmpty: a scope found empty at the end says so as one
// known empty from the start does, and one that was not says nothing.
func TestJSONPipeCloseEmpty(t *testing.T) {
	rep := &audit.Report{NotVisible: []string{"nodes: forbidden"}}
	for _, why := range []string{"", "namespace rag has no pods and no controllers with a pod template"} {
		var want, got bytes.Buffer
		if err := renderJSON(&want, rep, Options{Empty: why}); err != nil {
			t.Fatal(err)
		}
		p := NewJSONPipe(&got, Options{})
		if err := p.CloseEmpty(rep, why); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("empty %q:\n%s\nwant:\n%s", why, got.String(), want.String())
		}
	}
}

// failAfter fails every write after its first n bytes.
type failAfter struct{ n int }

func (f *failAfter) Write(b []byte) (int, error) {
	if f.n -= len(b); f.n < 0 {
		return 0, errors.New("broken pipe")
	}
	return len(b), nil
}

// TestJSONPipeWriteError: a write error reaches the caller (from
// Workload once the encoder met it, or from Close), never lost.
func TestJSONPipeWriteError(t *testing.T) {
	p := NewJSONPipe(&failAfter{n: 100}, Options{})
	var err error
	r := audit.Result{Kind: "Pod", Name: string(bytes.Repeat([]byte("x"), 70<<10))} // more than the writer's buffer
	for range 4 * pipeBatch {
		if err = p.Workload(&r); err != nil {
			break
		}
	}
	if cerr := p.Close(&audit.Report{}); err == nil {
		err = cerr
	}
	if err == nil || err.Error() != "broken pipe" {
		t.Fatalf("got %v", err)
	}
}
