package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/tiergate/tiergate/fingerprint"
	"github.com/tiergate/tiergate/probe/probetest"
)

// filesOf turns recorded facts back into a container's files.
func filesOf(t *testing.T, name string) map[string]string {
	t.Helper()
	return probetest.FilesOf(probetest.Recorded(t, name))
}

// withREST gives a fake clientset a real REST client for the exec URL
// (the fake's own is nil); no request is ever sent through it.
type withREST struct {
	*fake.Clientset
	rest rest.Interface
}

func (c withREST) CoreV1() corev1client.CoreV1Interface {
	return coreWithREST{c.Clientset.CoreV1(), c.rest}
}

type coreWithREST struct {
	corev1client.CoreV1Interface
	rest rest.Interface
}

func (c coreWithREST) RESTClient() rest.Interface { return c.rest }

func clients(t *testing.T, objs ...runtime.Object) (kubernetes.Interface, *fake.Clientset) {
	t.Helper()
	real, err := kubernetes.NewForConfig(&rest.Config{Host: "https://apiserver.invalid:6443"})
	if err != nil {
		t.Fatal(err)
	}
	fc := fake.NewClientset(objs...)
	return withREST{fc, real.CoreV1().RESTClient()}, fc
}

func runningPod(ns, name, node string, containers ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name)},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: "busybox"})
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: c, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}})
	}
	return p
}

func node(name, kernel string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{KernelVersion: kernel}}}
}

// TestExecProbe reads recorded environments through the exec path (a
// fake executor playing cat) and gets the verdicts the fingerprints give.
func TestExecProbe(t *testing.T) {
	for _, c := range []struct {
		facts, nodeKernel string
		want              string
	}{
		{"kata-qemu", "6.8.0-60-generic", "vm (QEMU)"},
		{"gvisor-4.19.0", "6.8.0-1021-gke", "gvisor"},
		{"firecracker-real", "6.1.0-31-amd64", "microvm (Firecracker)"},
		// A kata RuntimeClass whose pod landed on the node's kernel.
		{"runc-on-qemu-node", "6.8.0-60-generic", "shared-kernel"},
	} {
		t.Run(c.facts, func(t *testing.T) {
			fe := &probetest.Executor{Files: filesOf(t, c.facts)}
			kube, _ := clients(t, runningPod("agents", "tool-agent", "n1", "main", "sidecar"), node("n1", c.nodeKernel))
			p := &Prober{Client: kube, NewExecutor: fe.Factory}
			rep, err := p.Probe(context.Background(), "agents", "tool-agent", "")
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Verdict.String(); got != c.want {
				t.Errorf("verdict %s, want %s; evidence %q conflicts %q", got, c.want, rep.Verdict.Evidence, rep.Verdict.Conflicts)
			}
			if rep.Via != ViaExec || rep.Container != "main" || rep.UID != "uid-tool-agent" || rep.Facts.NodeKernel != c.nodeKernel {
				t.Errorf("report %+v", rep)
			}
			if fe.Calls() != len(Files) && !(fe.Calls() == len(Files)-1 && rep.Facts.DMI == fingerprint.Absent) {
				t.Errorf("%d exec calls for %d files", fe.Calls(), len(Files))
			}
			u := fe.URLs()[0]
			if u.Path != "/api/v1/namespaces/agents/pods/tool-agent/exec" || u.Query().Get("container") != "main" ||
				u.Query().Get("stdout") != "true" || u.Query().Get("stdin") != "" {
				t.Errorf("exec URL %s", u)
			}
		})
	}
}

func TestExecProbeContainerAndUnreadable(t *testing.T) {
	files := filesOf(t, "runc-bare-metal")
	fe := &probetest.Executor{Files: files, Denied: map[string]bool{pathCmdline: true}}
	kube, _ := clients(t, runningPod("ml", "vllm", "n1", "main", "proxy"), node("n1", "6.8.0-60-generic"))
	p := &Prober{Client: kube, NewExecutor: fe.Factory}
	rep, err := p.Probe(context.Background(), "ml", "vllm", "proxy")
	if err != nil {
		t.Fatal(err)
	}
	if got := fe.URLs()[0].Query().Get("container"); got != "proxy" {
		t.Errorf("-c proxy: exec in %q", got)
	}
	if len(rep.Facts.Unread) != 1 || !strings.Contains(rep.Facts.Unread[0], "/proc/cmdline: permission denied") {
		t.Errorf("unread %q", rep.Facts.Unread)
	}
	if rep.Verdict.Kind != fingerprint.SharedKernel {
		t.Errorf("verdict %s", rep.Verdict)
	}
}

func TestExecProbeNoCat(t *testing.T) {
	fe := &probetest.Executor{NoCat: true}
	kube, _ := clients(t, runningPod("ml", "distroless", "n1", "server"), node("n1", "6.8.0"))
	_, err := (&Prober{Client: kube, NewExecutor: fe.Factory}).Probe(context.Background(), "ml", "distroless", "")
	if !errors.Is(err, ErrNoCat) || !strings.Contains(err.Error(), "--probe-image IMAGE") {
		t.Fatalf("want a no-cat error naming --probe-image, got %v", err)
	}
	if fe.Calls() != 1 {
		t.Errorf("the probe went on after finding no cat: %d calls", fe.Calls())
	}
}

func TestProbeRefusals(t *testing.T) {
	pending := runningPod("ml", "pending", "", "main")
	pending.Status.Phase = corev1.PodPending
	stopped := runningPod("ml", "stopped", "n1", "main")
	stopped.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	kube, _ := clients(t, pending, stopped, runningPod("ml", "ok", "n1", "main"))
	p := &Prober{Client: kube, NewExecutor: (&probetest.Executor{}).Factory}
	for _, c := range []struct{ pod, container, want string }{
		{"missing", "", `reading pod ml/missing: pods "missing" not found`},
		{"pending", "", "pod ml/pending is Pending: a probe needs a running container"},
		{"stopped", "", `container "main" of pod ml/stopped is not running`},
		{"ok", "nope", `pod ml/ok has no container "nope"`},
	} {
		_, err := p.Probe(context.Background(), "ml", c.pod, c.container)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %q", c.pod, err, c.want)
		}
	}
}

// Without the node (RBAC), the verdict rests on absolute markers and the
// facts say what was not read.
func TestProbeWithoutNode(t *testing.T) {
	fe := &probetest.Executor{Files: filesOf(t, "kata-clh")}
	kube, fc := clients(t, runningPod("agents", "a", "n1", "main"))
	fc.PrependReactor("get", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errForbidden("nodes")
	})
	rep, err := (&Prober{Client: kube, NewExecutor: fe.Factory}).Probe(context.Background(), "agents", "a", "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict.String() != "vm (Cloud Hypervisor)" || !strings.Contains(strings.Join(rep.Facts.Unread, ";"), "forbidden (get nodes)") {
		t.Errorf("verdict %s, unread %q", rep.Verdict, rep.Facts.Unread)
	}
}

func TestEphemeralPatchAddsOnlyTheContainer(t *testing.T) {
	pod := runningPod("ml", "vllm", "n1", "main")
	patch, err := EphemeralPatch(pod, EphemeralContainer("tiergate-probe-x", "ghcr.io/tiergate/tiergate:v1"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(patch, &m); err != nil {
		t.Fatal(err)
	}
	spec, _ := m["spec"].(map[string]any)
	if len(m) != 1 || len(spec) != 1 || spec["ephemeralContainers"] == nil {
		t.Fatalf("patch touches more than spec.ephemeralContainers: %s", patch)
	}
	for _, want := range []string{`"runAsNonRoot":true`, `"allowPrivilegeEscalation":false`, `"drop":["ALL"]`, `"RuntimeDefault"`, `"--local"`} {
		if !strings.Contains(string(patch), want) {
			t.Errorf("patch lacks %s: %s", want, patch)
		}
	}
}

// TestEphemeralProbe plays the API server's side: the patch lands, the
// container runs and terminates, and its JSON output is read.
func TestEphemeralProbe(t *testing.T) {
	kube, fc := clients(t, runningPod("agents", "a", "n1", "main"), node("n1", "6.8.0-60-generic"))
	var added string
	fc.PrependReactor("patch", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pa := a.(k8stesting.PatchAction)
		if pa.GetSubresource() != "ephemeralcontainers" {
			return true, nil, fmt.Errorf("patched %q, want the ephemeralcontainers subresource", pa.GetSubresource())
		}
		var p struct {
			Spec struct {
				EphemeralContainers []corev1.EphemeralContainer `json:"ephemeralContainers"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(pa.GetPatch(), &p); err != nil || len(p.Spec.EphemeralContainers) != 1 {
			return true, nil, fmt.Errorf("patch %s: %v", pa.GetPatch(), err)
		}
		added = p.Spec.EphemeralContainers[0].Name
		return true, runningPod("agents", "a", "n1", "main"), nil
	})
	polls := 0
	fc.PrependReactor("get", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		polls++
		p := runningPod("agents", "a", "n1", "main")
		st := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
		if polls > 2 {
			st = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}
		}
		p.Status.EphemeralContainerStatuses = []corev1.ContainerStatus{{Name: added, State: st}}
		return true, p, nil
	})
	facts := probetest.Recorded(t, "kata-qemu")
	facts.NodeKernel = "" // the container does not know its node
	out, _ := json.Marshal(LocalOutput{Facts: facts, Verdict: fingerprint.Decide(facts)})
	var logsOf string
	e := &Ephemeral{Client: kube, Image: "ghcr.io/tiergate/tiergate:v1", Poll: time.Millisecond,
		Logs: func(_ context.Context, ns, pod, c string) ([]byte, error) {
			logsOf = ns + "/" + pod + "/" + c
			return out, nil
		}}
	rep, err := (&Prober{Client: kube, Image: e.Image, Ephemeral: e}).Probe(context.Background(), "agents", "a", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(added, "tiergate-probe-") || logsOf != "agents/a/"+added {
		t.Errorf("container %q, logs read from %q", added, logsOf)
	}
	if rep.Via != ViaEphemeral || rep.Verdict.String() != "vm (QEMU)" || rep.Facts.NodeKernel != "6.8.0-60-generic" {
		t.Errorf("report via %s verdict %s node kernel %q", rep.Via, rep.Verdict, rep.Facts.NodeKernel)
	}
	if rep.Verdict.Caveat != "" || !strings.Contains(rep.Verdict.Evidence[0], "differs from the node's kernelVersion") {
		t.Errorf("the node's kernel was not compared: %+v", rep.Verdict)
	}
}

func TestEphemeralImageCannotBePulled(t *testing.T) {
	kube, fc := clients(t, runningPod("agents", "a", "n1", "main"), node("n1", "6.8.0"))
	var added string
	fc.PrependReactor("patch", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		added = "tiergate-probe-" + strings.Split(strings.Split(string(a.(k8stesting.PatchAction).GetPatch()), "tiergate-probe-")[1], `"`)[0]
		return true, runningPod("agents", "a", "n1", "main"), nil
	})
	fc.PrependReactor("get", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		p := runningPod("agents", "a", "n1", "main")
		p.Status.EphemeralContainerStatuses = []corev1.ContainerStatus{{Name: added, State: corev1.ContainerState{
			Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "Back-off pulling image \"nope:1\""}}}}
		return true, p, nil
	})
	_, err := (&Prober{Client: kube, Image: "nope:1", Ephemeral: &Ephemeral{Client: kube, Image: "nope:1", Poll: time.Millisecond}}).
		Probe(context.Background(), "agents", "a", "")
	if err == nil || !strings.Contains(err.Error(), "cannot start: ImagePullBackOff") {
		t.Fatalf("got %v", err)
	}
}

func TestParseLocalOutput(t *testing.T) {
	if _, err := ParseLocalOutput([]byte("exec /bin/tiergate: no such file or directory\n")); err == nil || !strings.Contains(err.Error(), "does the image run tiergate?") {
		t.Errorf("got %v", err)
	}
	if _, err := ParseLocalOutput([]byte(`{"facts":{},"verdict":{"kind":"unknown"}}`)); err == nil {
		t.Error("empty facts accepted")
	}
}

func TestGatherStopsOnAbort(t *testing.T) {
	n := 0
	_, err := Gather(context.Background(), func(context.Context, string) (string, error) {
		n++
		return "", &Abort{errors.New("exec forbidden")}
	})
	if err == nil || n != 1 {
		t.Fatalf("err %v after %d reads", err, n)
	}
}

// TestExecClassify: what a kubelet, kwok or a runtime answers decides
// whether one input stays unread or the probe stops.
func TestExecClassify(t *testing.T) {
	e := &Exec{Namespace: "ml", Pod: "p", Container: "c"}
	exit := func(code int) error {
		return utilexec.CodeExitError{Err: errors.New("command terminated with non-zero exit code"), Code: code}
	}
	for _, c := range []struct {
		name      string
		err       error
		stderr    string
		notExist  bool
		abort     bool
		noCat     bool
		wantInMsg string
	}{
		{"missing file (kubelet)", exit(1), "cat: /proc/sentry-meminfo: No such file or directory\n", true, false, false, ""},
		{"missing file (kwok)", errors.New("Internal error occurred: error executing command in container: cmd wait: cat /x: exit status 1"), "cat: /x: No such file or directory", true, false, false, ""},
		{"permission", exit(1), "cat: /proc/cmdline: Permission denied", false, false, false, "permission denied"},
		{"exit 127", exit(127), "", false, true, true, "no cat"},
		{"exit 126", exit(126), "", false, true, true, "no cat"},
		{"runtime: not found", errors.New(`OCI runtime exec failed: exec failed: unable to start container process: exec: "cat": executable file not found in $PATH: unknown`), "", false, true, true, "--probe-image"},
		{"upgrade refused", errors.New(`unable to upgrade streaming request: pods "p" is forbidden: User "u" cannot get resource "pods/exec"`), "", false, true, false, "is forbidden"},
		{"hostile stderr", exit(1), "cat: \x1b[2Jboom\nsecond line", false, false, false, "cat: ?[2Jboom"},
	} {
		err := e.classify("/x", c.err, c.stderr)
		var abort *Abort
		switch {
		case errors.Is(err, fs.ErrNotExist) != c.notExist:
			t.Errorf("%s: not-exist %v, got %v", c.name, c.notExist, err)
		case errors.As(err, &abort) != c.abort:
			t.Errorf("%s: abort %v, got %v", c.name, c.abort, err)
		case errors.Is(err, ErrNoCat) != c.noCat:
			t.Errorf("%s: no-cat %v, got %v", c.name, c.noCat, err)
		case c.wantInMsg != "" && !strings.Contains(err.Error(), c.wantInMsg):
			t.Errorf("%s: %q lacks %q", c.name, err, c.wantInMsg)
		case strings.ContainsAny(err.Error(), "\x1b\n"):
			t.Errorf("%s: raw container text in %q", c.name, err)
		}
	}
}
