//go:build integration

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
)

var cl *testcluster.Cluster

func TestMain(m *testing.M) {
	os.Exit(testcluster.Main(m, &cl, testcluster.Options{}))
}

// buildBinary builds the real tiergate binary, as a user installs it.
func buildBinary(t *testing.T) string {
	t.Helper()
	root, err := testcluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "tiergate")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/tiergate")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	return bin
}

// seedExample loads examples/llm-platform.yaml and waits for the
// controllers to roll its pods out onto the kwok nodes.
func seedExample(t *testing.T) *kubernetes.Clientset {
	t.Helper()
	root, _ := testcluster.RepoRoot()
	ctx := context.Background()
	if _, err := seed.Files(ctx, cl.Config, filepath.Join(root, "examples", "llm-platform.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := seed.WaitForPods(ctx, cl.Config, 20, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(cl.Config)
	cfg.WarningHandler = rest.NoWarnings{} // PodSecurity warnings are expected here
	return kubernetes.NewForConfigOrDie(cfg)
}

// TestTUIAgainstTheControlPlane runs the binary in tmux and uses it as
// an on-call engineer would: read the table, filter, drill down, watch a
// pod come and go, look at the nodes, lose the apiserver and get it
// back, shrink the terminal, quit.
func TestTUIAgainstTheControlPlane(t *testing.T) {
	bin := buildBinary(t)
	kube := seedExample(t)
	ctx := context.Background()
	env := []string{"KUBECONFIG=" + cl.Kubeconfig, "TERM=xterm-256color"}
	s := startTmux(t, 140, 40, env, bin, "-A")
	const wait = 30 * time.Second

	took := s.waitFor("the audited table", wait, []string{"tiergate", "all namespaces", "synced", "workloads:", "▾ CRITICAL OR BELOW TIER", "? help"})
	t.Logf("first audited screen after %v", took)

	// Filter by text, drill down, come back.
	s.keys("/")
	s.typeText("docs-retriever")
	s.waitFor("the filter", wait, []string{"rag/docs-retriever-", "▾ RETRIEVAL (3)"}, "litellm")
	s.keys("Enter")
	s.waitFor("the filter to stay after enter", wait, []string{"/docs-retriever", "1/3"})
	s.keys("Enter")
	s.waitFor("the detail view", wait, []string{"Pod rag/docs-retriever-", "← Deployment/docs-retriever", "RuntimeClass gvisor → handler runsc", "FINDINGS (0)"})
	s.keys("Escape")
	s.waitFor("the table again", wait, []string{"rag/docs-retriever-", "/docs-retriever  sort:worst finding"}, "← Deployment/docs-retriever")
	s.keys("Escape")
	s.waitFor("the filter cleared", wait, []string{"▾ CRITICAL OR BELOW TIER", "sort:worst finding"}, "/docs-retriever  sort:worst finding")
	// The selection stayed on the pod it was on, now among all of them
	// (below the pinned group and the code runners and agents): not back
	// at the top.
	if m := regexp.MustCompile(`sort:worst finding↑  ([0-9]+)/[0-9]+`).FindStringSubmatch(s.screen()); m == nil || m[1] == "1" {
		t.Errorf("selection did not stay on the docs-retriever pod:\n%s", s.screen())
	}

	// Live: a new pod appears, and disappears when deleted.
	s.keys("/")
	s.typeText("e2e-fresh")
	s.keys("Enter")
	s.waitFor("an empty filtered table", wait, []string{"no workloads match the filters"})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-fresh-vllm", Namespace: "llm-serving"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "vllm", Image: "vllm/vllm-openai:v0.9.2", Args: []string{"--model", "Qwen/Qwen3-8B"},
		}}},
	}
	if _, err := kube.CoreV1().Pods("llm-serving").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	took = s.waitFor("the new pod", wait, []string{"llm-serving/e2e-fresh-vllm", "inference"})
	t.Logf("new pod on screen %v after its creation", took)
	if err := kube.CoreV1().Pods("llm-serving").Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	took = s.waitFor("the deleted pod to go", wait, []string{"no workloads match the filters"}, "e2e-fresh-vllm")
	t.Logf("deleted pod gone from the screen %v after its deletion", took)
	s.keys("Escape")
	s.waitFor("the filter cleared", wait, []string{"▾ CRITICAL OR BELOW TIER"}, "/e2e-fresh  sort:")

	// Nodes view, help, info.
	s.keys(":")
	s.typeText("nodes")
	s.keys("Enter")
	s.waitFor("the nodes view", wait, []string{"NODE", "GPU alloc/allocatable/cap", "gpu-h100-h3v7", "nodes · esc back"})
	s.keys("Escape")
	s.waitFor("the table", wait, []string{"▾ CRITICAL OR BELOW TIER"}, "GPU alloc/allocatable/cap")
	s.keys("?")
	s.waitFor("the help", wait, []string{"keys", "cycle type filter", "esc or ? closes"})
	s.keys("Escape")
	s.waitFor("the help closed", wait, []string{"▾ CRITICAL OR BELOW TIER"}, "cycle type filter")

	// The apiserver goes away: the last data stays, marked stale, with
	// the error in the status line; it comes back and so does the view.
	if err := cl.StopControlPlane(ctx); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = cl.StartControlPlane(ctx)
		}
	}()
	took = s.waitFor("the stale marker", 2*time.Minute, []string{"STALE since", "error (showing the last data)", "▾ CRITICAL OR BELOW TIER"})
	t.Logf("apiserver loss shown after %v", took)
	if err := cl.StartControlPlane(ctx); err != nil {
		t.Fatal(err)
	}
	restarted = true
	took = s.waitFor("recovery", 2*time.Minute, []string{"synced", "▾ CRITICAL OR BELOW TIER"}, "STALE", "error (")
	t.Logf("recovery shown %v after the apiserver was back", took)

	// Down to 80x24: header, table and status line still fit. esc first
	// clears a one-off notice (the restarted sources' trouble, said once)
	// that would stand in the status line where the help hint goes.
	s.keys("Escape")
	s.run("resize-window", "-t", s.name, "-x", "80", "-y", "24")
	s.waitFor("the small layout", wait, []string{"NAMESPACE/NAME", "WORST", "? help"}, "TOK/S")
	// The renderer clears line ends rather than writing spaces, so a
	// line may be shorter; none may be longer (it would wrap), and the
	// header and status line must be on the first and last rows.
	lines := strings.Split(strings.TrimSuffix(s.screen(), "\n"), "\n")
	if len(lines) != 24 || !strings.HasPrefix(lines[0], "tiergate") || !strings.Contains(lines[23], "? help") {
		t.Errorf("layout at 80x24: %d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
	for i, line := range lines {
		if n := ansi.StringWidth(line); n > 80 {
			t.Errorf("line %d is %d cells at 80 columns: %q", i+1, n, line)
		}
	}

	s.keys("q")
	if code := s.exitStatus(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d after q", code)
	}
}

var sgr = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// hasColour says whether an SGR escape sets a foreground or background
// colour (39 and 49, back to the default, do not count: tmux emits them).
func hasColour(screen string) bool {
	for _, m := range sgr.FindAllStringSubmatch(screen, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, _ := strconv.Atoi(p)
			if n >= 30 && n <= 38 || n >= 40 && n <= 48 || n >= 90 && n <= 97 || n >= 100 && n <= 107 {
				return true
			}
		}
	}
	return false
}

// TestTUIRespectsNoColor: under NO_COLOR the screen has no colours but
// the selection still shows (reverse video).
func TestTUIRespectsNoColor(t *testing.T) {
	bin := buildBinary(t)
	seedExample(t)
	for _, noColor := range []bool{false, true} {
		env := []string{"KUBECONFIG=" + cl.Kubeconfig, "TERM=xterm-256color"}
		if noColor {
			env = append(env, "NO_COLOR=yes") // any value counts (no-color.org)
		}
		s := startTmux(t, 120, 30, env, bin, "-A")
		s.waitFor("the table", 30*time.Second, []string{"synced", "▾ CRITICAL OR BELOW TIER"})
		esc := s.screenEscapes()
		coloured := hasColour(esc)
		if coloured == noColor {
			t.Errorf("NO_COLOR=%v: colours on screen = %v", noColor, coloured)
		}
		if !strings.Contains(esc, "\x1b[7m") {
			t.Errorf("NO_COLOR=%v: no reverse video for the selection", noColor)
		}
		s.keys("q")
		if code := s.exitStatus(10 * time.Second); code != 0 {
			t.Fatalf("exit status %d", code)
		}
	}
}

// TestNoTerminal: without a terminal the binary says to use audit and
// exits 2 rather than drawing into a pipe.
func TestNoTerminal(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "-A")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+cl.Kubeconfig)
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	exit, ok := err.(*exec.ExitError)
	if !ok || exit.ExitCode() != 2 {
		t.Fatalf("err %v, want exit status 2; output %s", err, out)
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "tiergate audit") {
		t.Fatalf("want one line pointing to tiergate audit, got %q", out)
	}
}

// TestTUINamespaceSwitch: ":ns" outside the scope the view started with
// opens that namespace, as k9s does.
func TestTUINamespaceSwitch(t *testing.T) {
	bin := buildBinary(t)
	seedExample(t)
	s := startTmux(t, 120, 40, []string{"KUBECONFIG=" + cl.Kubeconfig, "TERM=xterm-256color"}, bin, "-n", "rag")
	const wait = 30 * time.Second
	s.waitFor("namespace rag", wait, []string{"namespace rag", "synced", "rag/docs-retriever-"}, "agents/")
	s.keys(":")
	s.typeText("ns agents")
	s.keys("Enter")
	s.waitFor("namespace agents", wait, []string{"namespace agents", "synced", "agents/support-agent-"}, "rag/docs-retriever-")
	s.keys(":")
	s.typeText("ns all")
	s.keys("Enter")
	// Rows of two namespaces on one screen (the rows of the others may be
	// below it, or their names cut in the middle at this width).
	s.waitFor("all namespaces", wait, []string{"all namespaces", "synced", "▾ CRITICAL OR BELOW TIER", "agents/", "rag/"})
	s.keys("q")
	if code := s.exitStatus(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

// TestTUIFixAndApply fixes a pod's owner from the detail view: f shows the
// fix, a runs the server dry run and asks, y applies; the Deployment
// changes and the table follows its new pods. It runs last: it changes
// the example the other tests read.
func TestTUIFixAndApply(t *testing.T) {
	bin := buildBinary(t)
	kube := seedExample(t)
	s := startTmux(t, 140, 45, []string{"KUBECONFIG=" + cl.Kubeconfig, "TERM=xterm-256color"}, bin, "-n", "agents")
	const wait = 30 * time.Second
	s.waitFor("namespace agents", wait, []string{"namespace agents", "synced", "/research-agent-"}) // the namespace may be cut
	s.keys("/")
	s.typeText("research-agent")
	s.keys("Enter", "Enter")
	s.waitFor("the detail view", wait, []string{"Pod agents/research-agent-", "f fix"})
	s.keys("f")
	s.waitFor("the fix", wait, []string{"FIX  Pod/agents/research-agent-", "[runtime-class] Set runtimeClassName to", "patch Deployment/agents/research-agent:", "a server dry run, then apply"})
	// The pods the rollout must replace.
	pods, err := kube.CoreV1().Pods("agents").List(context.Background(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=research-agent"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("research-agent pods: %v (%d)", err, len(pods.Items))
	}
	var old []string
	for _, p := range pods.Items {
		old = append(old, p.Name)
	}
	s.keys("a")
	s.waitFor("the dry run and the question", wait, []string{"+++ after tiergate fix Deployment/agents/research-agent", "+      runtimeClassName: ", "with server-side apply as \"tiergate\"?  y yes · n no"})
	s.keys("y")
	s.waitFor("the apply", wait, []string{"applied Deployment/agents/research-agent", "the table follows them"})

	d, err := kube.AppsV1().Deployments("agents").Get(context.Background(), "research-agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc := d.Spec.Template.Spec.RuntimeClassName
	if rc == nil || *rc == "" {
		t.Fatalf("the Deployment has no runtimeClassName after the apply")
	}
	// Back to the table: the rollout's new pods replace the old ones.
	s.keys("Escape")
	s.waitFor("the detail view again", wait, []string{"Pod agents/research-agent-", "f fix"}, "APPLIED")
	s.keys("Escape")
	// A new pod of the rollout comes into the table, with its new
	// isolation. (When the old ones go depends on kwok marking the new one
	// ready, which is not what this tests.)
	start := time.Now()
	for {
		scr := s.screen()
		if newPodRow(scr, "/research-agent-", "vm → vm", old) { // the namespace may be cut
			break
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("no new research-agent pod under vm on screen (old pods %v):\n%s", old, scr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("a rolled-out pod was on screen %v after going back to the table (runtimeClassName %s)", time.Since(start), *rc)
	s.keys("q")
	if code := s.exitStatus(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

// newPodRow reports whether a table row names a pod with prefix, shows
// cell, and is none of the old pods.
func newPodRow(screen, prefix, cell string, old []string) bool {
	for _, line := range strings.Split(screen, "\n") {
		if strings.Contains(line, prefix) && strings.Contains(line, cell) && !containsAny(line, old) {
			return true
		}
	}
	return false
}
