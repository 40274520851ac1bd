package audit_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

// TestCorpusClassification classifies real public manifests against the
// labels in the shared corpus's LABELS.tsv. That corpus lives outside the
// repo; TIERGATE_CORPUS names it (.ci/run sets it).
func TestCorpusClassification(t *testing.T) {
	dir := os.Getenv("TIERGATE_CORPUS")
	if dir == "" {
		t.Skip("TIERGATE_CORPUS is not set: skipping the classification test over the real-manifest corpus (.ci/run sets it to ../shared/corpus)")
	}
	checkCorpus(t, dir)
}

// TestRepoCorpus classifies the real public manifests kept in the repo
// (testdata/corpus, with SOURCES.tsv): datastores of LLM platforms and
// agent platforms whose names mislead.
func TestRepoCorpus(t *testing.T) {
	if _, err := os.Stat(filepath.Join("testdata", "corpus", "LABELS.tsv")); err != nil {
		t.Fatalf("the repo's corpus is missing: %v", err)
	}
	checkCorpus(t, filepath.Join("testdata", "corpus"))
}

// checkCorpus requires every labelled workload of a corpus to get its
// label's type, and no workload that is not an LLM workload to be called
// one.
func checkCorpus(t *testing.T, dir string) {
	t.Helper()
	labels, err := os.Open(filepath.Join(dir, "LABELS.tsv"))
	if err != nil {
		t.Fatalf("corpus: %v", err)
	}
	defer labels.Close()

	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	reports := map[string]*audit.Report{}
	total, correct := 0, 0
	sc := bufio.NewScanner(labels)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 5 {
			continue
		}
		file, kind, ns, name, want := cols[0], cols[1], cols[2], cols[3], cols[4]
		if want == "runtime" {
			continue // RuntimeClass rows: not workloads
		}
		rep, ok := reports[file]
		if !ok {
			objs, err := manifest.Read([]string{filepath.Join(dir, file)}, nil, manifest.ParseOptions{})
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			rep = e.Audit(inv, audit.Options{Now: time.Now()})
			reports[file] = rep
		}
		total++
		var got *audit.Result
		for i := range rep.Workloads {
			r := &rep.Workloads[i]
			if r.Kind == kind && r.Name == name && r.Namespace == ns {
				got = r
			}
		}
		switch {
		case got == nil:
			t.Errorf("MISS %s: %s %s/%s: not found as a workload (want %s)", file, kind, ns, name, want)
		case string(got.Type) != want:
			t.Errorf("MISS %s: %s %s/%s: got %s (%.2f), want %s; evidence: %s", file, kind, ns, name, got.Type, got.Confidence, want, strings.Join(audit.Texts(got.Evidence), "; "))
		default:
			correct++
		}
	}
	if total == 0 {
		t.Fatal("corpus: no labelled workloads")
	}
	// A fact is said once: two signals that match the same words would
	// show one line twice (and score it twice).
	for file, rep := range reports {
		for _, r := range rep.Workloads {
			seen := map[string]bool{}
			for _, e := range r.Evidence {
				if seen[e.Text] {
					t.Errorf("%s: %s %s/%s says %q twice", file, r.Kind, r.Namespace, r.Name, e.Text)
				}
				seen[e.Text] = true
			}
		}
	}
	t.Logf("corpus %s: %d/%d", dir, correct, total)
}
