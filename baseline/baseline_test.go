package baseline_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/baseline"
	"github.com/tiergate/tiergate/internal/testaudit"
	"github.com/tiergate/tiergate/policy"
)

// TestOwnerOf: findings belong to the custom resource a pod runs from,
// else the top of its chain, else its owner, else the object itself.
func TestOwnerOf(t *testing.T) {
	o := func(k, n string) *audit.Owner { return &audit.Owner{Kind: k, Name: n} }
	for _, tc := range []struct {
		name string
		r    audit.Result
		want string
	}{
		{"custom resource", audit.Result{Kind: "Pod", Name: "llama-0", Owner: o("StatefulSet", "llama"), RootOwner: o("LeaderWorkerSet", "llama"), RunsFrom: o("LeaderWorkerSet", "llama")}, "LeaderWorkerSet/llama"},
		{"deployment", audit.Result{Kind: "Pod", Name: "web-5d-x", Owner: o("ReplicaSet", "web-5d"), RootOwner: o("Deployment", "web")}, "Deployment/web"},
		{"statefulset", audit.Result{Kind: "Pod", Name: "db-0", Owner: o("StatefulSet", "db")}, "StatefulSet/db"},
		{"bare pod", audit.Result{Kind: "Pod", Name: "scratch"}, "Pod/scratch"},
		{"controller", audit.Result{Kind: "Deployment", Name: "idle"}, "Deployment/idle"},
	} {
		if got := baseline.OwnerOf(&tc.r); got.Kind+"/"+got.Name != tc.want {
			t.Errorf("%s: %s/%s, want %s", tc.name, got.Kind, got.Name, tc.want)
		}
	}
}

// TestCompareARollout: a Deployment rolled out (new ReplicaSet, new pod
// name) keeps its findings unchanged; the token it now mounts is new; the
// bare pod that is gone has its findings resolved, most severe first; a
// gate counts only the new.
func TestCompareARollout(t *testing.T) {
	_, before := testaudit.Files(t, "testdata/before.yaml")
	_, after := testaudit.Files(t, "testdata/after.yaml")
	var js bytes.Buffer
	if err := json.NewEncoder(&js).Encode(before); err != nil {
		t.Fatal(err)
	}
	old, err := baseline.ReadReport(&js)
	if err != nil {
		t.Fatal(err)
	}
	cmp := baseline.FromReport(old).Compare()
	for i := range after.Workloads {
		cmp.Mark(&after.Workloads[i])
	}
	d := cmp.Diff()
	var fresh []string
	for _, f := range after.Workloads[0].Findings {
		switch f.Baseline {
		case audit.BaselineNew:
			fresh = append(fresh, f.Rule)
		case audit.BaselineUnchanged:
		default:
			t.Errorf("%s: baseline state %q", f.Rule, f.Baseline)
		}
	}
	if strings.Join(fresh, ",") != "TG-IDN-001" || d.New != 1 || d.Unchanged != len(after.Workloads[0].Findings)-1 {
		t.Errorf("new %v (%d), unchanged %d", fresh, d.New, d.Unchanged)
	}
	if len(d.Resolved) == 0 || d.Resolved[0].Rule != "TG-PSS-007" || d.Resolved[0].Owner.Name != "scratch" {
		t.Fatalf("resolved %+v, want the bare pod's findings, privileged first", d.Resolved)
	}
	for _, r := range d.Resolved {
		if r.Owner.Kind+"/"+r.Owner.Name != "Pod/scratch" {
			t.Errorf("resolved a finding of %s/%s", r.Owner.Kind, r.Owner.Name)
		}
	}
	if baseline.NewAtLeast(d, policy.High) != 0 || baseline.NewAtLeast(d, policy.Medium) != 1 {
		t.Errorf("new at or above high %d, medium %d", baseline.NewAtLeast(d, policy.High), baseline.NewAtLeast(d, policy.Medium))
	}
}

// TestSharedFindingsCountOnce: a custom resource's template and its pods
// carry the same finding: it counts once.
func TestSharedFindingsCountOnce(t *testing.T) {
	_, rep := testaudit.Files(t, "../report/testdata/runsfrom.yaml")
	cmp := baseline.FromReport(&audit.Report{}).Compare()
	total := 0
	for i := range rep.Workloads {
		cmp.Mark(&rep.Workloads[i])
		total += len(rep.Workloads[i].Findings)
	}
	if d := cmp.Diff(); d.New == 0 || d.New >= total || d.Unchanged != 0 || len(d.Resolved) != 0 {
		t.Errorf("%d new of %d findings (the set's and its pods' count once), %d unchanged, %d resolved", d.New, total, d.Unchanged, len(d.Resolved))
	}
}

// TestReadReportRejects: what is not a tiergate JSON report is said so.
func TestReadReportRejects(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "not a tiergate JSON report: EOF",
		"kind: Pod":          "not a tiergate JSON report: invalid character",
		`{"items": []}`:      `it has no "workloads"`,
		`{"workloads": "x"}`: "cannot unmarshal string",
	} {
		if _, err := baseline.ReadReport(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

// TestComparisonEdges: a custom resource row's own finding is neither
// counted nor resolved when its pods lack it; replicas count at their
// highest severity; kinds two groups name alike are told apart.
func TestComparisonEdges(t *testing.T) {
	lws := &audit.Owner{APIVersion: "leaderworkerset.x-k8s.io/v1", Kind: "LeaderWorkerSet", Name: "llama"}
	row := audit.Result{APIVersion: lws.APIVersion, Kind: lws.Kind, Namespace: "n", Name: "llama", Status: &audit.Status{Status: audit.StatusPods, Pods: 1},
		Findings: []audit.Finding{{Rule: "TG-ISO-001", Severity: policy.High}}}
	pod := audit.Result{Kind: "Pod", Namespace: "n", Name: "llama-0", RunsFrom: lws, Findings: []audit.Finding{{Rule: "TG-NET-001", Severity: policy.Medium}}}
	rep := func() *audit.Report {
		r, p := row, pod
		r.Findings, p.Findings = slices.Clone(row.Findings), slices.Clone(pod.Findings)
		return &audit.Report{Workloads: []audit.Result{r, p}}
	}
	same := rep()
	cmp := baseline.FromReport(rep()).Compare()
	for i := range same.Workloads {
		cmp.Mark(&same.Workloads[i])
	}
	if d := cmp.Diff(); d.New != 0 || d.Unchanged != 1 || len(d.Resolved) != 0 || len(d.NewFindings) != 0 {
		t.Errorf("the same report: %+v", d)
	}
	fresh := rep()
	cmp = baseline.FromReport(&audit.Report{}).Compare()
	for i := range fresh.Workloads {
		cmp.Mark(&fresh.Workloads[i])
	}
	if d := cmp.Diff(); d.New != 1 || len(d.NewFindings) != 1 || d.NewFindings[0].Rule != "TG-NET-001" || fresh.Workloads[0].Findings[0].Baseline != audit.BaselineNew {
		t.Errorf("against nothing: %+v, the row's finding %q", d, fresh.Workloads[0].Findings[0].Baseline)
	}

	dep := &audit.Owner{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	replicas := []audit.Result{
		{Kind: "Pod", Namespace: "n", Name: "web-a", RootOwner: dep, Findings: []audit.Finding{{Rule: "TG-GPU-002", Severity: policy.Low}}},
		{Kind: "Pod", Namespace: "n", Name: "web-b", RootOwner: dep, Findings: []audit.Finding{{Rule: "TG-GPU-002", Severity: policy.High}}},
	}
	cmp = baseline.FromReport(&audit.Report{}).Compare()
	for i := range replicas {
		cmp.Mark(&replicas[i])
	}
	if d := cmp.Diff(); d.New != 1 || baseline.NewAtLeast(d, policy.High) != 1 {
		t.Errorf("replicas low and high: %d new, %d at or above high", d.New, baseline.NewAtLeast(d, policy.High))
	}

	f := &audit.Finding{Rule: "TG-ISO-001"}
	a := baseline.KeyOf(&audit.Result{APIVersion: "agents.x-k8s.io/v1beta1", Kind: "Sandbox", Namespace: "n", Name: "s"}, f)
	k := baseline.KeyOf(&audit.Result{APIVersion: "agents.kruise.io/v1alpha1", Kind: "Sandbox", Namespace: "n", Name: "s"}, f)
	if a == k {
		t.Errorf("two groups' Sandboxes share a key: %+v", a)
	}
}

// TestClusterNotAudited: a fleet audit that could not read a cluster
// has none of its findings; they are not resolved (nothing is known of
// them), while the gone findings of the clusters it read are; a report's
// clusters are read back with it, and as a baseline it says which it
// could not read.
func TestClusterNotAudited(t *testing.T) {
	finding := func(cluster, name string) audit.Result {
		return audit.Result{Cluster: cluster, Kind: "Pod", Namespace: "n", Name: name, Findings: []audit.Finding{{Rule: "TG-NET-001", Severity: policy.High}}}
	}
	base := baseline.FromReport(&audit.Report{Workloads: []audit.Result{finding("east", "a"), finding("east", "b"), finding("west", "a"), finding("west", "gone")}})
	now := &audit.Report{Workloads: []audit.Result{finding("west", "a")}, Clusters: []audit.ClusterReport{{Context: "west"}, {Context: "east", Error: "not done in 5s (--cluster-timeout)"}}}
	var js bytes.Buffer
	if err := json.NewEncoder(&js).Encode(now); err != nil {
		t.Fatal(err)
	}
	read, err := baseline.ReadReport(&js)
	if err != nil || len(read.Clusters) != 2 || read.Clusters[1].Error == "" {
		t.Fatalf("clusters read back: %+v (%v)", read.Clusters, err)
	}
	cmp := base.Compare()
	if n := cmp.NotAudited("east"); n != 2 {
		t.Errorf("east holds %d of the baseline's findings, want 2", n)
	}
	for i := range read.Workloads {
		cmp.Mark(&read.Workloads[i])
	}
	d := cmp.Diff()
	if d.Unchanged != 1 || d.New != 0 || len(d.Resolved) != 1 || d.Resolved[0].Cluster != "west" || d.Resolved[0].Owner.Name != "gone" {
		t.Errorf("%+v", d)
	}
	// That report as a baseline: it knows nothing of east.
	if got := baseline.FromReport(read).NotAudited(); !slices.Equal(got, []string{"east"}) {
		t.Errorf("not audited in the baseline: %q", got)
	}
	if got := base.NotAudited(); len(got) != 0 {
		t.Errorf("a baseline without clusters: %q not audited", got)
	}
}
