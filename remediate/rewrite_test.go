package remediate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/remediate"
)

// TestRewriteKeepsCommentsAndUntouchedDocuments: -o manifests changes only
// the documents that hold a target, keeps every comment, and the rewritten
// file audits without the fixed findings.
func TestRewriteKeepsCommentsAndUntouchedDocuments(t *testing.T) {
	in := "testdata/manifests/platform.yaml"
	fx := load(t, in, nil)
	src, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	out, changed, err := remediate.Rewrite(src, fx.res.Changes, "")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "golden", "platform.rewritten.yaml"), out)
	if len(changed) != 2 {
		t.Errorf("changed %v, want the two Deployments", changed)
	}

	// Untouched documents, the separators and the file's head are kept
	// byte for byte.
	for _, kept := range []string{
		"# Retrieval and agent workloads of the docs team.\n# Owner: platform@acme.example\n---\n",
		"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: docs   # untouched: must stay byte for byte\n---\n",
		"---\napiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: gvisor\nhandler: runsc   # gVisor\n",
	} {
		if !bytes.Contains(out, []byte(kept)) {
			t.Errorf("lost untouched bytes %q", kept)
		}
	}
	// Every comment survives, and the wide sequence indent of the changed
	// Deployment is kept.
	for _, line := range strings.Split(string(src), "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			c := strings.TrimSpace(line[i:])
			if !strings.Contains(string(out), c) {
				t.Errorf("comment %q lost", c)
			}
		}
	}
	if !strings.Contains(string(out), "\n        - name: retriever") {
		t.Error("the wide sequence indent of the retriever's containers was not kept")
	}

	// The rewritten file plus the new objects audit clean of what was fixed.
	claimsGone(t, fx, append(append(out, "\n---\n"...), remediate.NewObjects(fx.res)...), "rewriting", true)
}

// TestRewriteEveryFixture: every fixture rewritten and re-read audits clean
// of what the fixes claim, like the patched objects do.
func TestRewriteEveryFixture(t *testing.T) {
	for _, in := range inputs(t) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			fx := load(t, in, nil)
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out, changed, err := remediate.Rewrite(src, fx.res.Changes, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(changed) != len(fx.res.Changes) {
				t.Errorf("rewrote %d of %d changed objects", len(changed), len(fx.res.Changes))
			}
			claimsGone(t, fx, append(append(out, "\n---\n"...), remediate.NewObjects(fx.res)...), "rewriting", true)
		})
	}
}

// TestRewriteKeepsAFinalSeparator: a file that ends in "---" without a
// newline keeps it when the document before it changes.
func TestRewriteKeepsAFinalSeparator(t *testing.T) {
	fx := load(t, "testdata/kinds.yaml", nil)
	doc := "apiVersion: apps/v1\nkind: CronJob\nmetadata:\n  name: docs-embed\n  namespace: rag\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: embed\n            image: x\n---"
	out, changed, err := remediate.Rewrite([]byte(doc), fx.res.Changes, "")
	if err != nil || len(changed) != 1 {
		t.Fatalf("changed %v: %v", changed, err)
	}
	if !strings.HasSuffix(string(out), "\n---") {
		t.Errorf("the final separator was lost:\n%s", out)
	}
}
