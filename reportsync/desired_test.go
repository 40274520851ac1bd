package reportsync

import (
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/testaudit"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/report"
)

var (
	t1 = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	t2 = t1.Add(time.Hour)
)

func desired(t *testing.T, rep *audit.Report, api report.ReportAPI, now time.Time) []*unstructured.Unstructured {
	t.Helper()
	objs, err := Desired(rep, api, SetServe, now)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// existing is what the cluster would hold after objs were applied.
func existing(objs []*unstructured.Unstructured) []Existing {
	var out []Existing
	for _, o := range objs {
		out = append(out, Existing{Namespace: o.GetNamespace(), Name: o.GetName(), Hash: o.GetAnnotations()[HashAnnotation]})
	}
	return out
}

func keys(objs []*unstructured.Unstructured) string {
	var k []string
	for _, o := range objs {
		k = append(k, o.GetNamespace()+"/"+o.GetName())
	}
	return strings.Join(k, ",")
}

// pods is a report of n bare pods with one finding each in namespace ns.
func pods(ns string, n int, message string) []audit.Result {
	var out []audit.Result
	for i := range n {
		out = append(out, audit.Result{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: "p" + strconv.Itoa(i),
			Findings: []audit.Finding{{Rule: "TG-NET-001", Severity: policy.Medium, Message: message}}})
	}
	return out
}

// TestDesiredLabelsEveryReport: each report of the example carries the
// managed-by and set labels GC selects by and a content hash; one per
// namespace, in both APIs.
func TestDesiredLabelsEveryReport(t *testing.T) {
	_, rep := testaudit.Files(t, "../examples/llm-platform.yaml")
	for _, api := range []report.ReportAPI{report.OpenReportsAPI, report.PolicyReportAPI} {
		objs := desired(t, rep, api, t1)
		if len(objs) < 4 {
			t.Fatalf("%s: %d reports", api.Kind, len(objs))
		}
		seen := map[string]bool{}
		for _, o := range objs {
			l := o.GetLabels()
			if o.GetKind() != api.Kind || l["app.kubernetes.io/managed-by"] != "tiergate" || l[SetLabel] != SetServe ||
				len(o.GetAnnotations()[HashAnnotation]) != 32 || o.GetName() != "tiergate" || seen[o.GetNamespace()] {
				t.Errorf("%s %s/%s labels %v annotations %v", o.GetKind(), o.GetNamespace(), o.GetName(), l, o.GetAnnotations())
			}
			seen[o.GetNamespace()] = true
		}
	}
}

// TestPlanWrites: what a sync writes, as a table over the cluster's
// state and the audit's.
func TestPlanWrites(t *testing.T) {
	_, example := testaudit.Files(t, "../examples/llm-platform.yaml")
	written := desired(t, example, report.OpenReportsAPI, t1)
	namespaces := map[string]bool{}
	for _, o := range written {
		namespaces[o.GetNamespace()] = true
	}

	// One more bad pod in the first namespace.
	grown := *example
	grown.Workloads = append(append([]audit.Result(nil), example.Workloads...), pods(written[0].GetNamespace(), 1, "new")...)
	// The first namespace's workloads gone.
	shrunk := *example
	shrunk.Workloads = nil
	for _, r := range example.Workloads {
		if r.Namespace != written[0].GetNamespace() {
			shrunk.Workloads = append(shrunk.Workloads, r)
		}
	}
	noHash := existing(written)
	noHash[1].Hash = ""
	foreign := append(existing(written), Existing{Namespace: "zz-gone", Name: "tiergate"}, Existing{Namespace: "aa-gone", Name: "tiergate-2"})

	for _, tt := range []struct {
		name      string
		rep       *audit.Report
		have      []Existing
		apply     string
		unchanged int
		delete    string
	}{
		{"nothing written yet: every report", example, nil, keys(written), 0, ""},
		{"same audit an hour later: no write", example, existing(written), "", len(written), ""},
		{"a new finding: its namespace's report only", &grown, existing(written), written[0].GetNamespace() + "/tiergate", len(written) - 1, ""},
		{"a namespace's last workload gone: its report deleted", &shrunk, existing(written), "", len(written) - 1, written[0].GetNamespace() + "/tiergate"},
		{"a report without a hash (by hand, older tiergate): rewritten", example, noHash, keys(written[1:2]), len(written) - 1, ""},
		{"the set's reports no audit wants: deleted, in order", example, foreign, "", len(written), "aa-gone/tiergate-2,zz-gone/tiergate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := PlanWrites(desired(t, tt.rep, report.OpenReportsAPI, t2), tt.have)
			var del []string
			for _, e := range p.Delete {
				del = append(del, e.Namespace+"/"+e.Name)
			}
			if keys(p.Apply) != tt.apply || p.Unchanged != tt.unchanged || strings.Join(del, ",") != tt.delete {
				t.Errorf("apply %q unchanged %d delete %v; want apply %q unchanged %d delete %q", keys(p.Apply), p.Unchanged, del, tt.apply, tt.unchanged, tt.delete)
			}
			if p.Writes() != len(p.Apply)+len(p.Delete) {
				t.Errorf("writes %d", p.Writes())
			}
		})
	}
}

// TestDesiredSplitsLargeNamespaces: past 500 results a namespace gets
// tiergate, tiergate-2, ...; growing changes the first report's content
// and adds the next, shrinking back deletes it.
func TestDesiredSplitsLargeNamespaces(t *testing.T) {
	small := &audit.Report{Workloads: pods("big", 500, "no egress policy")}
	big := &audit.Report{Workloads: pods("big", 1201, "no egress policy")}
	one, three := desired(t, small, report.OpenReportsAPI, t1), desired(t, big, report.OpenReportsAPI, t1)
	if keys(one) != "big/tiergate" || keys(three) != "big/tiergate,big/tiergate-2,big/tiergate-3" {
		t.Fatalf("reports %s and %s", keys(one), keys(three))
	}
	grow := PlanWrites(three, existing(one))
	if keys(grow.Apply) != "big/tiergate-2,big/tiergate-3" || grow.Unchanged != 1 {
		// the first 500 results are the same pods: unchanged
		t.Errorf("growing: apply %s, unchanged %d", keys(grow.Apply), grow.Unchanged)
	}
	shrink := PlanWrites(one, existing(three))
	if len(shrink.Apply) != 0 || len(shrink.Delete) != 2 || shrink.Delete[0].Name != "tiergate-2" {
		t.Errorf("shrinking: apply %s, delete %v", keys(shrink.Apply), shrink.Delete)
	}
}

// TestContentHashIgnoresTimestampsOnly: a new timestamp keeps the hash;
// another message, severity or label changes it.
func TestContentHashIgnoresTimestampsOnly(t *testing.T) {
	rep := &audit.Report{Workloads: pods("a", 2, "no egress policy")}
	base := desired(t, rep, report.OpenReportsAPI, t1)[0].GetAnnotations()[HashAnnotation]
	if h := desired(t, rep, report.OpenReportsAPI, t2)[0].GetAnnotations()[HashAnnotation]; h != base {
		t.Errorf("an hour later: %s != %s", h, base)
	}
	other := &audit.Report{Workloads: pods("a", 2, "another message")}
	if h := desired(t, other, report.OpenReportsAPI, t1)[0].GetAnnotations()[HashAnnotation]; h == base {
		t.Error("another message, same hash")
	}
	sev := &audit.Report{Workloads: pods("a", 2, "no egress policy")}
	sev.Workloads[1].Findings[0].Severity = policy.High
	if h := desired(t, sev, report.OpenReportsAPI, t1)[0].GetAnnotations()[HashAnnotation]; h == base {
		t.Error("another severity, same hash")
	}
	if h := desired(t, rep, report.PolicyReportAPI, t1)[0].GetAnnotations()[HashAnnotation]; h == base {
		t.Error("a PolicyReport hashes as the Report")
	}
	o := desired(t, rep, report.OpenReportsAPI, t1)[0]
	o.SetLabels(map[string]string{"x": "y"})
	if h, _ := ContentHash(o); h == base {
		t.Error("other labels, same hash")
	}
}

// TestOwnedByNamespace: the reference names the Namespace, neither a
// controller nor blocking its deletion.
func TestOwnedByNamespace(t *testing.T) {
	o := desired(t, &audit.Report{Workloads: pods("a", 1, "m")}, report.OpenReportsAPI, t1)[0]
	ns := &corev1.Namespace{}
	ns.Name, ns.UID = "a", "uid-a"
	OwnedByNamespace(o, ns)
	refs := o.GetOwnerReferences()
	if len(refs) != 1 || refs[0].Kind != "Namespace" || refs[0].APIVersion != "v1" || refs[0].UID != "uid-a" || refs[0].Controller != nil || refs[0].BlockOwnerDeletion != nil {
		t.Errorf("owner references %+v", refs)
	}
}
