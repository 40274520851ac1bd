//go:build integration

package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/probe/probetest"
)

// runAuditProbing runs tiergate audit with a fake exec stream behind the
// real API server's answers; fe nil keeps the real executor.
func runAuditProbing(t *testing.T, fe *probetest.Executor, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	o := NewAuditOptions(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, genericclioptions.NewConfigFlags(true))
	if fe != nil {
		o.Probe.newExecutor = fe.Factory
	}
	c := newCmdAudit(o)
	c.SilenceErrors, c.SilenceUsage = true, true
	c.SetArgs(args)
	code := Report(&errOut, c.Execute())
	return out.String(), errOut.String(), code
}

// TestAuditProbeSweep: audit --probe probes the pod whose RuntimeClass
// claims a VM, and the report says what it declared and what was
// verified: a Kata pod on the node's own kernel is a critical TG-ISO-005
// ("vm" declared, "shared-kernel ✗" verified); a Kata guest is "vm ✓"; a
// user without pods/exec sees why it was not probed.
func TestAuditProbeSweep(t *testing.T) {
	seedProbe(t)
	onNode := probetest.Recorded(t, "runc-on-qemu-node")
	onNode.Release = "6.8.0-60-generic"
	out, errOut, code := runAuditProbing(t, &probetest.Executor{Files: probetest.FilesOf(onNode)},
		"--kubeconfig", cl.Kubeconfig, "-n", "probe-live", "--probe", "-o", "wide", "--fail-on", "critical")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d:\n%s\n%s", code, ExitFindings, out, errOut)
	}
	for _, want := range []string{"VERIFIED", "shared-kernel ✗", "critical TG-ISO-005"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "probed 1 of the 1 pod --probe=claimed chose") {
		t.Errorf("stderr does not count the probes: %q", errOut)
	}
	if strings.Contains(out+errOut, "sk-not-a-real-key") {
		t.Error("an env value was printed")
	}

	kata := probetest.Recorded(t, "kata-qemu")
	out, errOut, code = runAuditProbing(t, &probetest.Executor{Files: probetest.FilesOf(kata)},
		"--kubeconfig", cl.Kubeconfig, "-n", "probe-live", "--probe", "-o", "json")
	if code != 0 {
		t.Fatalf("kata guest: exit %d:\n%s\n%s", code, out, errOut)
	}
	var rep audit.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	r := rep.Workload("Pod", "probe-live", "tool-agent")
	if r == nil || r.Probed == nil || r.Probed.Isolation() != "vm" || r.Probed.Via != "exec" || r.Probed.Error != "" {
		t.Fatalf("kata guest: probed %+v", r)
	}
	for _, f := range r.Findings {
		if f.Rule == audit.RuleProbeMismatch {
			t.Errorf("a Kata guest as declared has %s: %s", f.Rule, f.Message)
		}
	}

	ctx := context.Background()
	u, err := cl.NewUser(ctx, "probe-sweeper", testcluster.UserOptions{Namespace: "probe-live", Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runAuditProbing(t, nil, "--kubeconfig", u.Kubeconfig, "-n", "probe-live", "--probe", "-o", "wide")
	if code != 0 {
		t.Fatalf("no pods/exec: exit %d:\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "not probed:") || !strings.Contains(out, "forbidden") || !strings.Contains(errOut, "probed 0 of the 1 pod --probe=claimed chose; 1 not:") {
		t.Errorf("no pods/exec: the report should say why the pod was not probed:\n%s\n%s", out, errOut)
	}
}
