//go:build integration

package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testaudit"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/report"
	"github.com/tiergate/tiergate/reportsync"
)

// clusterRole reads one ClusterRole's rules from deploy/rbac.
func clusterRole(t *testing.T, name string) []rbacv1.PolicyRule {
	t.Helper()
	files, _ := filepath.Glob("../deploy/rbac/*.yaml")
	if len(files) != 6 {
		t.Fatalf("deploy/rbac has %d files, want the readonly, metrics, probe, apply, reports and bench roles", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(raw, []byte("\n---\n")) {
			var cr rbacv1.ClusterRole
			if err := yaml.UnmarshalStrict(doc, &cr); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if cr.Name == name {
				return cr.Rules
			}
		}
	}
	t.Fatalf("no ClusterRole %s in deploy/rbac", name)
	return nil
}

// TestDeployRBACRoles binds the ClusterRoles of deploy/rbac to limited
// users on the real API server: read-only sees everything an audit reads,
// every custom kind's released CRD installed (nothing "not visible") and cannot probe or apply; the probe role
// probes; the apply role gets through fix --apply's server dry run; the
// reports role writes, finds and deletes serve's reports in both APIs,
// which read-only may not.
func TestDeployRBACRoles(t *testing.T) {
	seedExample(t)
	ctx := context.Background()
	// Every custom kind the registry watches served (its released CRD):
	// read-only must list and watch each of them.
	if err := seed.CRDs(ctx, cl.Config); err != nil {
		t.Fatal(err)
	}
	readonly, probeRules, apply, metrics := clusterRole(t, "tiergate-readonly"), clusterRole(t, "tiergate-probe"), clusterRole(t, "tiergate-apply"), clusterRole(t, "tiergate-metrics")
	user := func(name string, rules ...[]rbacv1.PolicyRule) string {
		t.Helper()
		var all []rbacv1.PolicyRule
		for _, r := range rules {
			all = append(all, r...)
		}
		u, err := cl.NewUser(ctx, name, testcluster.UserOptions{Namespace: "rbac-users", ClusterRules: all})
		if err != nil {
			t.Fatal(err)
		}
		return u.Kubeconfig
	}

	ro := user("readonly", readonly)
	out, errOut, code := run(t, "", "audit", "--kubeconfig", ro, "-A")
	if code > ExitFindings || strings.Contains(errOut, "not visible") || !strings.Contains(out, "AGENT (") {
		t.Fatalf("read-only audit: exit %d\n%s\n%s", code, errOut, out)
	}
	// Figures: read-only may not use the proxies; the metrics role may
	// (kwok's addresses are then refused by the proxy itself).
	_, errOut, _ = run(t, "", "audit", "--kubeconfig", ro, "-n", "llm-serving", "--metrics", "--metrics-interval", "1s", "-o", "json")
	if !strings.Contains(errOut, "nodes/proxy is forbidden") {
		t.Errorf("read-only figures: %s", errOut)
	}
	withMetrics := user("metrics", readonly, metrics)
	_, errOut, _ = run(t, "", "audit", "--kubeconfig", withMetrics, "-n", "llm-serving", "--metrics", "--metrics-interval", "1s", "-o", "json")
	if strings.Contains(errOut, "forbidden") || strings.Contains(errOut, "not visible") {
		t.Errorf("metrics role: %s", errOut)
	}
	if err := seed.ProbeExec(ctx, cl.Config, "6.1.0-rbac-test"); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, "probe-exec", "kata-runner")
	if _, errOut, code := run(t, "", "probe", "kata-runner", "--kubeconfig", ro, "-n", "probe-exec"); code != ExitUsage || !strings.Contains(errOut, "pods/exec") {
		t.Errorf("read-only probe: exit %d: %s", code, errOut)
	}
	// The probe role alone probes and knows what the pod declares.
	prober := user("prober", probeRules)
	if out, errOut, code := run(t, "", "probe", "kata-runner", "--kubeconfig", prober, "-n", "probe-exec"); code == ExitUsage || !strings.Contains(out, "PROBED") ||
		!strings.Contains(out, "RuntimeClass probe-kata → handler kata-qemu → vm") {
		t.Errorf("probe role: exit %d: %s\n%s", code, errOut, out)
	}

	// A fresh agent to fix: its dry run needs patch on the Deployment and
	// create on the NetworkPolicy it adds; answer no to the question.
	if _, err := seed.Files(ctx, cl.Config, "testdata/rbac-apply.yaml"); err != nil {
		t.Fatal(err)
	}
	// Read-only reads the Services the agent is pointed at, in its
	// namespace and another: its egress policy allows their pods.
	out, errOut, _ = run(t, "", "fix", "-n", "rbac-apply", "--kubeconfig", ro)
	if strings.Contains(errOut, "not read") || !strings.Contains(out, "Service llm-serving/litellm-gateway port 8000 → pods' port http") ||
		!strings.Contains(out, "Service rbac-apply/tools port 8080 → pods' port 9090") || strings.Contains(out, "HELD BACK") {
		t.Errorf("read-only fix script:\n%s\n%s", out, errOut)
	}
	fix := []string{"fix", "-n", "rbac-apply", "--apply"}
	out, errOut, _ = run(t, "n\n", append(fix, "--kubeconfig", ro)...)
	if !strings.Contains(out+errOut, "forbidden") {
		t.Errorf("read-only fix --apply passed its dry run:\n%s\n%s", out, errOut)
	}
	applier := user("applier", readonly, apply)
	out, errOut, _ = run(t, "n\n", append(fix, "--kubeconfig", applier)...)
	if strings.Contains(out+errOut, "forbidden") || !strings.Contains(out, "+++ after tiergate fix Deployment/rbac-apply/helper-agent") || !strings.Contains(errOut, "[y/N]") {
		t.Errorf("apply role's dry run:\n%s\n%s", out, errOut)
	}

	// Reports, as serve writes them: with the reports role, every
	// namespace's report applied, then deleted when the audit has none;
	// read-only is refused at the list.
	loadReportCRDs(t)
	_, rep := testaudit.Files(t, example)
	reporter := user("reporter", readonly, clusterRole(t, "tiergate-reports"))
	for _, api := range []report.ReportAPI{report.OpenReportsAPI, report.PolicyReportAPI} {
		res := reportWriter(t, reporter, api).Sync(ctx, rep, time.Now())
		if len(res.Errs) > 0 || res.Applied < 4 {
			t.Errorf("reports role, %s: %d applied, %v", api.Kind, res.Applied, res.Errs)
		}
		if again := reportWriter(t, reporter, api).Sync(ctx, rep, time.Now()); again.Applied != 0 || again.Unchanged != res.Applied {
			t.Errorf("reports role, %s again: %d applied, %d unchanged, %v", api.Kind, again.Applied, again.Unchanged, again.Errs)
		}
		if gone := reportWriter(t, reporter, api).Sync(ctx, &audit.Report{}, time.Now()); len(gone.Errs) > 0 || gone.Deleted != res.Applied {
			t.Errorf("reports role, %s emptied: %d deleted of %d, %v", api.Kind, gone.Deleted, res.Applied, gone.Errs)
		}
		refused := reportWriter(t, ro, api).Sync(ctx, rep, time.Now())
		if len(refused.Errs) != 1 || !reportsync.Forbidden(refused.Errs[0]) || refused.Errs[0].Verb != "list" {
			t.Errorf("read-only, %s: %v", api.Kind, refused.Errs)
		}
	}
}

// reportWriter is serve's report writer with a user's kubeconfig.
func reportWriter(t *testing.T, kubeconfig string, api report.ReportAPI) *reportsync.Writer {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cluster.NewClients(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return reportsync.NewWriter(c.Dynamic, metadata.NewForConfigOrDie(cfg), c.Kube, api, "rbac-test", "")
}
