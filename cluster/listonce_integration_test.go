//go:build integration

package cluster_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/report"
)

// TestListerMatchesSource: the one-shot audit's paginated LISTs give the
// report the informers' first snapshot gives, byte for byte (-o json),
// on the seeded lab with every released CRD served: all namespaces, one
// namespace, a label selector, and a user who may read only part of it
// (the same "not visible" lines). Each is listed whole, as the lab's
// 1.37 server allows, and in pages of a few objects, as a server older
// than 1.33 has them (every resource takes several).
func TestListerMatchesSource(t *testing.T) {
	c := seeded(t)
	ctx := context.Background()
	if err := seed.CRDs(ctx, cl.Config); err != nil {
		t.Fatal(err)
	}
	defer cluster.SetPageSize(3)()
	read := []string{"get", "list", "watch"}
	u, err := cl.NewUser(ctx, "lister-partial", testcluster.UserOptions{Namespace: "agents", Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "serviceaccounts"}, Verbs: read},
		{APIGroups: []string{"apps"}, Resources: []string{"replicasets", "deployments"}, Verbs: read},
	}})
	if err != nil {
		t.Fatal(err)
	}
	partial, err := cluster.NewClients(u.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		clients *cluster.Clients
		opts    cluster.Options
		gaps    bool
	}{
		{"all namespaces", c, cluster.Options{}, false},
		{"one namespace", c, cluster.Options{Namespace: "agents"}, false},
		{"selector", c, cluster.Options{Selector: labels.SelectorFromSet(labels.Set{"app.kubernetes.io/name": "tgi-mistral-7b"})}, false},
		{"partial access", partial, cluster.Options{Namespace: "agents"}, true},
	} {
		for _, paged := range []bool{false, true} {
			name := tc.name + "/whole"
			clients := tc.clients
			if paged {
				name = tc.name + "/paged"
				var err error
				if clients, err = cluster.NewClients(tc.clients.Config); err != nil {
					t.Fatal(err)
				}
				cluster.ListInPages(clients)
			}
			t.Run(name, func(t *testing.T) {
				// Three snapshots taken one after another: a pod an earlier
				// test deleted may change state between them (Pending, then
				// Terminating). A difference that stays over three rounds is
				// the lister's; one that goes was the cluster moving.
				var diffs []string
				for round := 1; round <= 3; round++ {
					if diffs = compareListed(t, clients, tc.opts, tc.gaps, !paged); len(diffs) == 0 {
						return
					}
					t.Logf("round %d: %s", round, strings.Join(diffs, "\n"))
					time.Sleep(2 * time.Second)
				}
				for _, d := range diffs {
					t.Error(d)
				}
			})
		}
	}
}

// compareListed audits the informers' snapshot, the one-shot lists
// (whole or in pages, as whole says the lister must) and the
// namespace-at-a-time stream, and says how the last two differ from the
// first.
func compareListed(t *testing.T, c *cluster.Clients, opts cluster.Options, gaps, whole bool) []string {
	t.Helper()
	ctx := context.Background()
	watched := sourceInventory(t, c, opts)
	lister, err := cluster.NewLister(ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if lister.ListsWhole() != whole {
		t.Fatalf("the lister lists whole: %v, want %v", lister.ListsWhole(), whole)
	}
	listed, err := lister.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.Workloads) == 0 {
		t.Fatal("nothing listed")
	}
	if gaps != (len(listed.Gaps) > 0) {
		t.Fatalf("gaps: %q", listed.Gaps)
	}
	var diffs []string
	want, got := auditJSON(t, watched), auditJSON(t, listed)
	if !bytes.Equal(want, got) {
		diffs = append(diffs, "the listed report differs from the watched one:\n"+firstDiff(string(want), string(got)))
	}
	if streamed := streamJSON(t, c, opts); !bytes.Equal(want, streamed) {
		diffs = append(diffs, "the report streamed a namespace at a time differs from the watched one:\n"+firstDiff(string(want), string(streamed)))
	}
	return diffs
}

// sourceInventory is a Source's first synced snapshot.
func sourceInventory(t *testing.T, c *cluster.Clients, opts cluster.Options) *audit.Inventory {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := cluster.NewSource(ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	src.Start(ctx)
	defer src.Stop()
	syncCtx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	if err := src.WaitForSync(syncCtx); err != nil {
		t.Fatal(err)
	}
	return src.Snapshot().Inventory
}

// auditJSON is the -o json report of an inventory at a fixed time.
func auditJSON(t *testing.T, inv *audit.Inventory) []byte {
	t.Helper()
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	if err := report.Render(&b, e.Audit(inv, audit.Options{Now: now}), "json", report.Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// streamJSON is the -o json report of the same scope audited a namespace
// at a time as its pods list (Lister.Stream, Engine.AuditByNamespace),
// written as the one-shot audit writes it.
func streamJSON(t *testing.T, c *cluster.Clients, opts cluster.Options) []byte {
	t.Helper()
	ctx := context.Background()
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	lister, err := cluster.NewLister(ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	var (
		b          bytes.Buffer
		js         *report.JSONPipe
		na         *audit.NamespaceAudit
		namespaces []string
	)
	_, n, err := lister.Stream(ctx, time.Minute, func(base *audit.Inventory) error {
		js = report.NewJSONPipe(&b, report.Options{Now: now})
		na = e.AuditByNamespace(base, audit.Options{Now: now})
		return nil
	}, func(ns string, ws []audit.Workload) error {
		namespaces = append(namespaces, ns)
		return na.Namespace(ns, ws, js.Workload)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || len(namespaces) == 0 {
		t.Fatalf("nothing streamed: %d workloads in %q", n, namespaces)
	}
	if err := js.CloseEmpty(na.Close(), ""); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// firstDiff shows the first line where two texts differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n%s\n  vs\n%s", i+1, la[i], lb[i])
		}
	}
	return "one is a prefix of the other"
}
