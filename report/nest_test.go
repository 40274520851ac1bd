package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/internal/testaudit"
)

// TestPodsUnderTheirCustomResource: in a dump, a custom resource with
// pods is a row of its own saying how many, its pods are listed right
// under it (the worker pod too, whose StatefulSet is not in the dump: the
// set's name label names it), and JSON says what each pod runs from.
func TestPodsUnderTheirCustomResource(t *testing.T) {
	_, rep := testaudit.Files(t, "testdata/runsfrom.yaml")
	var b bytes.Buffer
	if err := Render(&b, rep, "wide", Options{}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range strings.Split(b.String(), "\n") {
		f := strings.Fields(l)
		if len(f) > 2 && f[0] == "serving" {
			name := f[1]
			if name == "└" {
				name = "└ " + f[2]
			}
			names = append(names, name)
		}
	}
	want := []string{"Sandbox/idle", "LeaderWorkerSet/llama", "└ Pod/llama-0", "└ Pod/llama-0-1", "Pod/web-5d-x"}
	if strings.Join(names, ", ") != strings.Join(want, ", ") {
		t.Errorf("rows %q, want %q in:\n%s", names, want, b.String())
	}
	if !strings.Contains(b.String(), " 2 pods ") {
		t.Errorf("the set's row does not count its pods:\n%s", b.String())
	}
	// Counted once, through its pods: the summary, --fail-on and SARIF
	// leave the set's own row out.
	if rep.Summary.Workloads != 4 || rep.Summary.ResourcesWithPods != 1 {
		t.Errorf("summary: %d workloads, %d resources with pods; want 4 and 1", rep.Summary.Workloads, rep.Summary.ResourcesWithPods)
	}
	b.Reset()
	if err := Render(&b, rep, "sarif", Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "serving/LeaderWorkerSet/llama") || !strings.Contains(b.String(), "serving/Pod/llama-0") {
		t.Errorf("SARIF lists the set's template beside its pods")
	}
	b.Reset()
	if err := Render(&b, rep, "json", Options{}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Workloads []struct {
			Kind, Name string
			RunsFrom   *struct{ Kind, Name string }
			Status     *struct {
				Status string
				Pods   int
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, w := range got.Workloads {
		switch w.Name {
		case "llama-0", "llama-0-1":
			if w.RunsFrom == nil || w.RunsFrom.Kind != "LeaderWorkerSet" || w.RunsFrom.Name != "llama" {
				t.Errorf("%s runs from %+v, want LeaderWorkerSet/llama", w.Name, w.RunsFrom)
			}
		case "llama":
			if w.Status == nil || w.Status.Status != "Pods" || w.Status.Pods != 2 {
				t.Errorf("the set's status %+v, want 2 pods", w.Status)
			}
		default:
			if w.RunsFrom != nil {
				t.Errorf("%s/%s runs from %+v, want none", w.Kind, w.Name, w.RunsFrom)
			}
		}
	}
}
