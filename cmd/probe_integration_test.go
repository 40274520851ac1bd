//go:build integration

package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/fingerprint"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/probe"
	"github.com/tiergate/tiergate/probe/probetest"
	"github.com/tiergate/tiergate/report"
)

// seedProbe creates the probe fixtures and waits for the pod to run.
func seedProbe(t *testing.T) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	if _, err := seed.Files(ctx, cl.Config, "testdata/probe-live.yaml"); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, "probe-live", "tool-agent")
	pod, err := kubernetes.NewForConfigOrDie(cl.Config).CoreV1().Pods("probe-live").Get(ctx, "tool-agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pod
}

// runProbe runs tiergate probe with a fake executor behind the real API
// server's answers (pod, node, the namespace's audit).
func runProbe(t *testing.T, fe *probetest.Executor, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	o := NewProbeOptions(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, genericclioptions.NewConfigFlags(true))
	o.newExecutor = fe.Factory
	c := newCmdProbe(o)
	c.SilenceErrors, c.SilenceUsage = true, true
	c.SetArgs(args)
	code := Report(&errOut, c.Execute())
	return out.String(), errOut.String(), code
}

// TestProbeLiveKataOnNodeKernel: the pod's RuntimeClass says kata, its
// container shows the node's own kernel (the fake plays cat, the rest is
// the real API server): a critical TG-ISO-005 and exit 1. The same pod
// probed as a Kata guest is clean.
func TestProbeLiveKataOnNodeKernel(t *testing.T) {
	seedProbe(t)
	onNode := probetest.Recorded(t, "runc-on-qemu-node")
	onNode.Release = "6.8.0-60-generic" // the fixture node's kernelVersion
	fe := &probetest.Executor{Files: probetest.FilesOf(onNode)}
	out, errOut, code := runProbe(t, fe, "tool-agent", "--kubeconfig", cl.Kubeconfig, "-n", "probe-live")
	if code != ExitFindings {
		t.Fatalf("exit %d: %s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"POD        probe-live/tool-agent, container agent, node probe-node-1",
		"DECLARED   vm",
		"RuntimeClass probe-kata → handler kata-qemu → vm",
		"PROBED     shared-kernel (via exec)",
		"uname -r 6.8.0-60-generic equals the node's kernelVersion",
		"CRITICAL   TG-ISO-005 RuntimeClass probe-kata declares vm, but the probe found the pod shares the node's kernel",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, "sk-not-a-real-key") {
		t.Error("an env value was printed")
	}
	if u := fe.URLs()[0]; u.Path != "/api/v1/namespaces/probe-live/pods/tool-agent/exec" || u.Query().Get("container") != "agent" {
		t.Errorf("exec URL %s", u)
	}

	kata := probetest.Recorded(t, "kata-qemu")
	out, errOut, code = runProbe(t, &probetest.Executor{Files: probetest.FilesOf(kata)}, "tool-agent", "--kubeconfig", cl.Kubeconfig, "-n", "probe-live", "-o", "json")
	if code != 0 {
		t.Fatalf("kata guest: exit %d: %s\n%s", code, out, errOut)
	}
	var r report.ProbeResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Verdict.String() != "vm (QEMU)" || r.Declared == nil || r.Declared.RuntimeClassName != "probe-kata" || len(r.Findings) != 0 || r.Facts.NodeKernel != "6.8.0-60-generic" {
		t.Errorf("kata guest: %+v", r)
	}
}

// TestProbeLiveRefusals: without pods/exec the server's refusal is one
// line naming the permission; a pod that does not exist exits 2.
func TestProbeLiveRefusals(t *testing.T) {
	seedProbe(t)
	ctx := context.Background()
	u, err := cl.NewUser(ctx, "probe-reader", testcluster.UserOptions{Namespace: "probe-live", Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// The real executor: the API server refuses the exec upgrade.
	_, errOut, code := run(t, "", "probe", "tool-agent", "--kubeconfig", u.Kubeconfig, "-n", "probe-live")
	if code != ExitUsage || !strings.Contains(errOut, "forbidden") || !strings.Contains(errOut, "a probe needs get on pods and get and create on pods/exec") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("no pods/exec: exit %d: %q", code, errOut)
	}
	_, errOut, code = run(t, "", "probe", "nope", "--kubeconfig", cl.Kubeconfig, "-n", "probe-live")
	if code != ExitUsage || !strings.Contains(errOut, `pods "nope" not found`) {
		t.Errorf("missing pod: exit %d: %q", code, errOut)
	}
}

// TestEphemeralProbeSpecDryRun has the real API server validate the
// ephemeral probe container (server dry run, in a namespace enforcing the
// restricted Pod Security level) and checks that the pod is unchanged; a
// privileged variant is refused, so the dry run does judge the spec.
func TestEphemeralProbeSpecDryRun(t *testing.T) {
	pod := seedProbe(t)
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	e := &probe.Ephemeral{Client: kube, Image: "ghcr.io/tiergate/tiergate:v0.1.0", DryRun: true}
	name, got, err := e.Add(ctx, pod)
	if err != nil {
		t.Fatalf("the server refused the probe container: %v", err)
	}
	if n := len(got.Spec.EphemeralContainers); n != 1 || got.Spec.EphemeralContainers[0].Name != name {
		t.Fatalf("dry-run answer has %d ephemeral containers", n)
	}
	now, err := kube.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil || len(now.Spec.EphemeralContainers) != 0 {
		t.Fatalf("a dry run changed the pod: %v %v", err, now.Spec.EphemeralContainers)
	}

	bad := probe.EphemeralContainer("tiergate-probe-bad", "ghcr.io/tiergate/tiergate:v0.1.0")
	bad.SecurityContext.Privileged = ptr.To(true)
	bad.SecurityContext.AllowPrivilegeEscalation = ptr.To(true)
	patch, err := probe.EphemeralPatch(pod, bad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = kube.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch,
		metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}}, "ephemeralcontainers")
	if err == nil || !strings.Contains(err.Error(), "privileged") {
		t.Fatalf("a privileged ephemeral container passed the restricted level: %v", err)
	}
}

// TestProbeLiveExecEndToEnd probes through the real exec path: client-go's
// WebSocket/SPDY executor, the real API server, kwok's kubelet stream,
// and cat run by kwok on this machine (testcluster's ClusterExec for the
// namespace probe-exec), so the files read are this machine's real ones.
// A kata pod on a node reporting this machine's kernel is what a
// misconfigured containerd gives: its probe must find the node's kernel
// and raise TG-ISO-005. A plain pod on a node reporting another kernel is
// judged from this machine's own markers, whatever they are: the verdict
// must be the one its printed facts give.
func TestProbeLiveExecEndToEnd(t *testing.T) {
	ctx := context.Background()
	local := nodeKernelMachine(t)
	if err := seed.ProbeExec(ctx, cl.Config, local.Release); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, "probe-exec", "kata-runner", "plain-runner")

	out, errOut, code := run(t, "", "probe", "kata-runner", "--kubeconfig", cl.Kubeconfig, "-n", "probe-exec", "-o", "json")
	if code != ExitFindings {
		t.Fatalf("kata-runner: exit %d: %s\n%s", code, out, errOut)
	}
	var r report.ProbeResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Facts.Version != local.Version || r.Facts.Release != local.Release {
		t.Errorf("exec read %q, this machine has %q", r.Facts.Version, local.Version)
	}
	if r.Verdict.Kind != fingerprint.SharedKernel || len(r.Findings) != 1 || r.Findings[0].Rule != "TG-ISO-005" || r.Findings[0].Severity != "critical" {
		t.Errorf("kata-runner: verdict %s, findings %+v", r.Verdict, r.Findings)
	}

	out, errOut, code = run(t, "", "probe", "plain-runner", "--kubeconfig", cl.Kubeconfig, "-n", "probe-exec", "-o", "json")
	if code != 0 {
		t.Fatalf("plain-runner: exit %d: %s\n%s", code, out, errOut)
	}
	r = report.ProbeResult{}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Facts.NodeKernel != "6.1.0-31-amd64" || r.Facts.Cmdline != local.Cmdline {
		t.Errorf("plain-runner facts %+v", r.Facts)
	}
	if again := fingerprint.Decide(r.Facts); again.String() != r.Verdict.String() || r.Verdict.Kind == fingerprint.SharedKernel {
		t.Errorf("plain-runner: printed %s, its facts give %s (a kernel that differs from the node's is not the node's)", r.Verdict, again)
	}

	// The same through audit --probe, the sweep over the real exec path:
	// only the pod whose RuntimeClass claims more than the node's kernel
	// is probed, and its report says what it declared and what was found.
	out, errOut, code = run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-n", "probe-exec", "--probe", "-o", "json")
	if code == 2 {
		t.Fatalf("audit --probe: exit %d: %s", code, errOut)
	}
	var rep audit.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	kata, plain := rep.Workload("Pod", "probe-exec", "kata-runner"), rep.Workload("Pod", "probe-exec", "plain-runner")
	if kata == nil || plain == nil {
		t.Fatalf("audit --probe lists %d workloads:\n%s", len(rep.Workloads), out)
	}
	if kata.Probed == nil || kata.Probed.Error != "" || kata.Probed.Isolation() != "shared-kernel" || kata.Isolation != "vm" {
		t.Errorf("kata-runner: declared %s, probed %+v", kata.Isolation, kata.Probed)
	}
	if w := kata.Worst(); w == nil || w.Rule != "TG-ISO-005" {
		t.Errorf("kata-runner's worst finding %+v, want TG-ISO-005", w)
	}
	if plain.Probed != nil {
		t.Errorf("plain-runner claims nothing more than its node and was probed: %+v", plain.Probed)
	}
	if !strings.Contains(errOut, "probed 1 of the 1 pod --probe=claimed chose") {
		t.Errorf("stderr does not count the probes: %q", errOut)
	}
}

// nodeKernelMachine reads this machine's facts and skips the test where
// this machine's own kernel cannot play a node's: inside gVisor or a Kata
// guest its markers contradict "the node's kernel" (the verdict is then
// unknown, rightly).
func nodeKernelMachine(t *testing.T) fingerprint.Facts {
	t.Helper()
	local, err := probe.Local(context.Background())
	if err != nil || local.Release == "" {
		t.Fatalf("local facts: %v %+v", err, local)
	}
	asNode := local
	asNode.NodeKernel = local.Release
	if v := fingerprint.Decide(asNode); v.Kind != fingerprint.SharedKernel {
		t.Skipf("this machine's kernel cannot stand for a node's: %s (%v)", v, v.Conflicts)
	}
	return local
}

// waitRunning waits for pods to be Running.
func waitRunning(t *testing.T, ns string, names ...string) {
	t.Helper()
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	deadline := time.Now().Add(60 * time.Second)
	for _, name := range names {
		for {
			pod, err := kube.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
			if err == nil && pod.Status.Phase == corev1.PodRunning {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s/%s is not running: %v", ns, name, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// TestCompletionFromTheCluster: probe completes running pods of the
// namespace and -n completes namespaces, from the real API server.
func TestCompletionFromTheCluster(t *testing.T) {
	if err := seed.ProbeExec(context.Background(), cl.Config, "6.1.0-completion"); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, "probe-exec", "kata-runner", "plain-runner")
	out, _, code := run(t, "", "__complete", "probe", "--kubeconfig", cl.Kubeconfig, "-n", "probe-exec", "kata")
	if code != 0 || !strings.Contains(out, "kata-runner\n") || strings.Contains(out, "plain-runner") || !strings.Contains(out, ":4\n") {
		t.Errorf("pod completion: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "__complete", "audit", "--kubeconfig", cl.Kubeconfig, "-n", "probe-")
	if code != 0 || !strings.Contains(out, "probe-exec\n") {
		t.Errorf("namespace completion: exit %d\n%s", code, out)
	}
}
