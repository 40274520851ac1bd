package remediate_test

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/synth"
	"github.com/tiergate/tiergate/remediate"
)

// TestOneEngineServesConcurrentCalls runs audits, streamed audits and
// fixes at once on one engine (the view does: an audit of the next
// snapshot while a fix is computed) and checks each against the same call
// made alone. Under -race it also proves the engine shares nothing it
// writes between calls.
func TestOneEngineServesConcurrentCalls(t *testing.T) {
	_, example, e := read(t, "../examples/llm-platform.yaml")
	inputs := []*audit.Inventory{example, synth.Cluster(600, true)}
	opts := audit.Options{Now: now}
	type want struct{ report, stream, fixes []byte }
	wants := make([]want, len(inputs))
	for i, inv := range inputs {
		rep := e.Audit(inv, opts)
		res, err := remediate.Compute(e, inv, rep, remediate.Options{Audit: opts})
		if err != nil {
			t.Fatal(err)
		}
		wants[i] = want{mustJSON(t, rep), streamJSON(e, inv, opts), mustJSON(t, res)}
	}

	const rounds = 3
	var wg sync.WaitGroup
	errs := make(chan string, 3*rounds*len(inputs))
	for range rounds {
		for i, inv := range inputs {
			w := wants[i]
			wg.Go(func() {
				if got := asJSON(e.Audit(inv, opts)); !bytes.Equal(got, w.report) {
					errs <- "an audit run beside other calls differs from the same audit run alone"
				}
			})
			wg.Go(func() {
				if got := streamJSON(e, inv, opts); !bytes.Equal(got, w.stream) {
					errs <- "a streamed audit run beside other calls differs from the same one run alone"
				}
			})
			wg.Go(func() {
				rep := e.Audit(inv, opts)
				res, err := remediate.Compute(e, inv, rep, remediate.Options{Audit: opts})
				if err != nil {
					errs <- err.Error()
					return
				}
				if got := asJSON(res); !bytes.Equal(got, w.fixes) {
					errs <- "fixes computed beside other calls differ from the same fixes computed alone"
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

// asJSON is mustJSON for goroutines other than the test's own, which may
// not call t.Fatal: a value that does not marshal is an error string.
func asJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("marshal: " + err.Error())
	}
	return b
}

// streamJSON is a streamed audit's results and report, as JSON.
func streamJSON(e *audit.Engine, inv *audit.Inventory, opts audit.Options) []byte {
	var buf bytes.Buffer
	rep, err := e.Stream(inv, opts, func(r *audit.Result) error {
		buf.Write(asJSON(r))
		return nil
	})
	if err != nil {
		return []byte("stream: " + err.Error())
	}
	buf.Write(asJSON(rep))
	return buf.Bytes()
}
