//go:build integration

package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/tiergate/tiergate/internal/crds"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/report"
	"github.com/tiergate/tiergate/reportsync"
)

// lockedBuffer is serve's log, read by the test while serve writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs serve with args on a free port until the test ends (or
// stop); it returns the base URL and the logs.
func startServe(t *testing.T, args ...string) (string, *lockedBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	o := &ServeOptions{ScopeOptions: ScopeOptions{kube: genericclioptions.NewConfigFlags(true)}, Listen: "127.0.0.1:0",
		IOStreams: genericiooptions.IOStreams{Out: io.Discard, ErrOut: logs}}
	addr := make(chan string, 1)
	o.ready = func(a string) { addr <- a }
	c := newCmdServeWith(o)
	c.SetArgs(append(args, "--listen", "127.0.0.1:0"))
	done := make(chan error, 1)
	go func() { done <- c.ExecuteContext(ctx) }()
	var once sync.Once
	var result error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(30 * time.Second):
				result = fmt.Errorf("serve did not stop")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = stop() })
	select {
	case a := <-addr:
		return "http://" + a, logs, stop
	case err := <-done:
		t.Fatalf("serve stopped: %v\n%s", err, logs.String())
	case <-time.After(time.Minute):
		t.Fatalf("serve did not listen:\n%s", logs.String())
	}
	return "", nil, nil
}

var (
	reportsGVR       = report.OpenReportsAPI.Resource
	policyReportsGVR = report.PolicyReportAPI.Resource
)

// loadReportCRDs installs the released Open Reports and wgpolicyk8s.io
// CRDs.
func loadReportCRDs(t *testing.T) {
	t.Helper()
	var sources []crds.Source
	for _, gk := range []schema.GroupKind{{Group: "openreports.io", Kind: "Report"}, {Group: "wgpolicyk8s.io", Kind: "PolicyReport"}} {
		s, ok := crds.For(gk)
		if !ok {
			t.Fatalf("no released CRD for %v", gk)
		}
		sources = append(sources, s)
	}
	if err := seed.CRDs(context.Background(), cl.Config, sources...); err != nil {
		t.Fatal(err)
	}
}

// serveReports lists the reports serve wrote, by namespace/name.
func serveReports(t *testing.T, gvr schema.GroupVersionResource) map[string]*unstructured.Unstructured {
	t.Helper()
	list, err := dynamic.NewForConfigOrDie(cl.Config).Resource(gvr).Namespace("").List(context.Background(),
		metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=tiergate," + reportsync.SetLabel + "=" + reportsync.SetServe})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*unstructured.Unstructured{}
	for i := range list.Items {
		o := &list.Items[i]
		out[o.GetNamespace()+"/"+o.GetName()] = o
	}
	return out
}

// failResults counts the fail results of reports.
func failResults(reports map[string]*unstructured.Unstructured) int {
	n := 0
	for _, r := range reports {
		f, _, _ := unstructured.NestedInt64(r.Object, "summary", "fail")
		n += int(f)
	}
	return n
}

// hasOwner says whether a report has a result from a workload of owner
// (Kind/name).
func hasOwner(r *unstructured.Unstructured, owner string) bool {
	if r == nil {
		return false
	}
	results, _, _ := unstructured.NestedSlice(r.Object, "results")
	for _, res := range results {
		m := res.(map[string]any)
		if p, _, _ := unstructured.NestedString(m, "properties", "owner"); p == owner {
			return true
		}
		// A workload whose pods are all refused (rag enforces Pod
		// Security baseline) is its own row: the result names it.
		refs, _, _ := unstructured.NestedSlice(m, "resources")
		for _, ref := range refs {
			kind, _, _ := unstructured.NestedString(ref.(map[string]any), "kind")
			name, _, _ := unstructured.NestedString(ref.(map[string]any), "name")
			if kind+"/"+name == owner {
				return true
			}
		}
	}
	return false
}

// eventually retries cond every 300ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %s: %s", within, what, state)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// deleteServeReports removes reports a previous test left behind.
func deleteServeReports(t *testing.T, gvr schema.GroupVersionResource) {
	t.Helper()
	dyn := dynamic.NewForConfigOrDie(cl.Config)
	for _, r := range serveReports(t, gvr) {
		if err := dyn.Resource(gvr).Namespace(r.GetNamespace()).Delete(context.Background(), r.GetName(), metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// oneShotFindings is the one-shot audit's finding count.
func oneShotFindings(t *testing.T) int {
	t.Helper()
	out, errOut, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", "json")
	if code == ExitUsage {
		t.Fatalf("one-shot audit: exit %d: %s", code, errOut)
	}
	var one struct{ Summary struct{ Findings int } }
	if err := json.Unmarshal([]byte(out), &one); err != nil {
		t.Fatal(err)
	}
	return one.Summary.Findings
}

const reportsBadYAML = `apiVersion: v1
kind: Namespace
metadata:
  name: reports-gc
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  replicas: 1
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.9.2
          args: [--model, meta-llama/Llama-3.1-8B-Instruct]
          securityContext: {privileged: true}
`

// TestServeWritesOpenReports: serve -A on the lab writes one Open
// Reports Report per namespace, accepted by the real CRD with strict
// field validation, as many fail results as the one-shot audit has
// findings, each owned by its Namespace; a new bad Deployment shows in
// its namespace's Report after the next audit while the other reports
// are not written again; the last workload of a namespace deleted, its
// Report is deleted.
func TestServeWritesOpenReports(t *testing.T) {
	seedExample(t)
	loadReportCRDs(t)
	deleteServeReports(t, reportsGVR)
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	want := oneShotFindings(t)

	base, logs, stop := startServe(t, "--kubeconfig", cl.Kubeconfig, "-A")
	var first map[string]*unstructured.Unstructured
	eventually(t, 2*time.Minute, "the reports' fail results are the one-shot audit's findings", func() (bool, string) {
		first = serveReports(t, reportsGVR)
		got := failResults(first)
		return got == want && len(first) >= 4, fmt.Sprintf("%d reports, %d fail results, want %d\n%s", len(first), got, want, logs.String())
	})
	for key, r := range first {
		ns, err := kube.CoreV1().Namespaces().Get(ctx, r.GetNamespace(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		refs := r.GetOwnerReferences()
		if len(refs) != 1 || refs[0].Kind != "Namespace" || refs[0].UID != ns.UID {
			t.Errorf("%s: owner references %+v", key, refs)
		}
		managers := map[string]bool{}
		for _, m := range r.GetManagedFields() {
			managers[m.Manager+"/"+string(m.Operation)] = true
		}
		if !managers["tiergate/Apply"] || r.GetAnnotations()[reportsync.HashAnnotation] == "" || r.GetKind() != "Report" {
			t.Errorf("%s: managers %v annotations %v kind %s", key, managers, r.GetAnnotations(), r.GetKind())
		}
	}
	if !strings.Contains(logs.String(), `"msg":"reports written"`) {
		t.Errorf("no write count logged:\n%s", logs.String())
	}

	// A new bad Deployment in rag, another alone in a new namespace.
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(reportsBadYAML, "reports-bad-agent", "rag")+"---\n"+
		strings.SplitN(fmt.Sprintf(reportsBadYAML, "reports-gone", "reports-gc"), "---\n", 2)[1]), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kube.AppsV1().Deployments("rag").Delete(ctx, "reports-bad-agent", metav1.DeleteOptions{})
		_ = kube.CoreV1().Namespaces().Delete(ctx, "reports-gc", metav1.DeleteOptions{})
	})
	if _, err := seed.Files(ctx, cl.Config, path); err != nil {
		t.Fatal(err)
	}
	var second map[string]*unstructured.Unstructured
	eventually(t, time.Minute, "the new Deployments in their namespaces' reports", func() (bool, string) {
		second = serveReports(t, reportsGVR)
		return hasOwner(second["rag/tiergate"], "Deployment/reports-bad-agent") && hasOwner(second["reports-gc/tiergate"], "Deployment/reports-gone"),
			fmt.Sprintf("%d reports\n%s", len(second), logs.String())
	})
	for key, r := range first {
		if second[key] == nil {
			t.Errorf("%s: deleted", key)
			continue
		}
		if strings.HasPrefix(key, "rag/") {
			if second[key].GetResourceVersion() == r.GetResourceVersion() {
				t.Errorf("%s: not written again", key)
			}
			continue
		}
		if second[key].GetResourceVersion() != r.GetResourceVersion() {
			t.Errorf("%s: written again with the same content (resourceVersion %s → %s)", key, r.GetResourceVersion(), second[key].GetResourceVersion())
		}
	}

	// The last workload of reports-gc gone: its report goes.
	background := metav1.DeletePropagationBackground
	if err := kube.AppsV1().Deployments("reports-gc").Delete(ctx, "reports-gone", metav1.DeleteOptions{PropagationPolicy: &background}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "reports-gc's report deleted", func() (bool, string) {
		_, there := serveReports(t, reportsGVR)["reports-gc/tiergate"]
		return !there, logs.String()
	})
	if _, there := serveReports(t, reportsGVR)["rag/tiergate"]; !there {
		t.Error("rag's report deleted too")
	}
	body := get(t, base+"/metrics")
	if !strings.Contains(body, `tiergate_report_writes_total{result="deleted"} 1`) || strings.Contains(body, `tiergate_report_writes_total{result="applied"} 0`) ||
		strings.Contains(body, `tiergate_report_writes_total{result="unchanged"} 0`) {
		t.Errorf("write counter:\n%s", grepLines(body, "tiergate_report_writes_total"))
	}
	if err := stop(); err != nil {
		t.Errorf("serve stopped with %v", err)
	}
}

// TestServeReportsWithoutWriteRBAC: a user who may read (tiergate-
// readonly) but not write reports gets one log line naming the verb and
// resource it was refused; serve stays up, ready, and its metrics count
// the failure.
func TestServeReportsWithoutWriteRBAC(t *testing.T) {
	seedExample(t)
	loadReportCRDs(t)
	u, err := cl.NewUser(context.Background(), "serve-readonly", testcluster.UserOptions{Namespace: "rbac-users", ClusterRules: clusterRole(t, "tiergate-readonly")})
	if err != nil {
		t.Fatal(err)
	}
	base, logs, stop := startServe(t, "--kubeconfig", u.Kubeconfig, "-A", "--reports", "openreports")
	waitStatus(t, base+"/readyz", http.StatusOK, 2*time.Minute)
	eventually(t, time.Minute, "a refusal logged", func() (bool, string) {
		l := logs.String()
		return strings.Contains(l, `"msg":"report write forbidden","verb":"list","resource":"reports.openreports.io"`), l
	})
	if n := strings.Count(logs.String(), `"msg":"report write forbidden"`); n > strings.Count(logs.String(), `"msg":"audited"`) {
		t.Errorf("%d refusal lines for %d audits:\n%s", n, strings.Count(logs.String(), `"msg":"audited"`), logs.String())
	}
	body := get(t, base+"/metrics")
	if !strings.Contains(body, "tiergate_workloads{") || strings.Contains(body, `tiergate_report_writes_total{result="failed"} 0`) {
		t.Errorf("metrics:\n%s", grepLines(body, "tiergate_report_writes_total"))
	}
	if err := stop(); err != nil {
		t.Errorf("serve stopped with %v", err)
	}
}

// TestServeWritesPolicyReports: --reports policyreport writes
// wgpolicyk8s.io PolicyReports the real CRD accepts, one per namespace,
// with the one-shot audit's findings.
func TestServeWritesPolicyReports(t *testing.T) {
	seedExample(t)
	loadReportCRDs(t)
	deleteServeReports(t, policyReportsGVR)
	want := oneShotFindings(t)
	_, logs, stop := startServe(t, "--kubeconfig", cl.Kubeconfig, "-A", "--reports", "policyreport")
	eventually(t, 2*time.Minute, "the PolicyReports' fail results are the one-shot audit's findings", func() (bool, string) {
		got := serveReports(t, policyReportsGVR)
		return failResults(got) == want && len(got) >= 4, fmt.Sprintf("%d reports, %d fail results, want %d\n%s", len(got), failResults(got), want, logs.String())
	})
	for key, r := range serveReports(t, policyReportsGVR) {
		if r.GetKind() != "PolicyReport" || r.GetAPIVersion() != "wgpolicyk8s.io/v1alpha2" {
			t.Errorf("%s: %s %s", key, r.GetAPIVersion(), r.GetKind())
		}
	}
	if err := stop(); err != nil {
		t.Errorf("serve stopped with %v", err)
	}
	deleteServeReports(t, policyReportsGVR)
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
