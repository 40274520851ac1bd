package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/remediate"
)

// TestFixApplyRefusesWithoutATerminalFirst: with stdin a pipe and no
// --yes, --apply fails with one line and exit 2 before any request
// reaches the server; with --yes the same command does reach it.
func TestFixApplyRefusesWithoutATerminalFirst(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: %q}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: agents}}]\ncurrent-context: c\nusers: [{name: u, user: {token: t}}]\n", srv.URL)
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	fix := func(args ...string) (string, string, int) {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer pr.Close()
		pw.Close()
		var out, errOut bytes.Buffer
		root := NewCmdRoot(genericiooptions.IOStreams{In: pr, Out: &out, ErrOut: &errOut}, "tiergate")
		root.SetArgs(append([]string{"fix", "--kubeconfig", kubeconfig, "--request-timeout", "2s"}, args...))
		code := Report(&errOut, root.Execute())
		return out.String(), errOut.String(), code
	}
	out, errOut, code := fix("--apply")
	if code != ExitUsage || out != "" || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "add --yes") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line", code, out, errOut)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached the server before the refusal", n)
	}
	// The same with --yes goes to the server (which fails it): the
	// refusal above is what kept it away.
	if _, _, code := fix("--apply", "--yes"); code == 0 || requests.Load() == 0 {
		t.Errorf("--apply --yes: exit %d after %d requests", code, requests.Load())
	}
}

// fakeCluster stands in for the applier in the flow's tests: canned
// outcomes, the items it was asked to apply recorded.
type fakeCluster struct {
	mu      sync.Mutex
	warn    map[string][]string
	owned   map[string][]applier.Conflict
	gitops  map[string]*applier.GitOps
	applied []string
}

func (f *fakeCluster) DryRun(_ context.Context, it applier.Item) applier.Outcome {
	t := it.Target.String()
	return applier.Outcome{Item: it, Changed: true, Diff: "--- live " + t + "\n+++ after tiergate fix " + t + "\n+x\n", Warnings: f.warn[t], Conflicts: f.owned[t], GitOps: f.gitops[t]}
}

func (f *fakeCluster) Apply(_ context.Context, it applier.Item) applier.Outcome {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := it.Target.String()
	if len(f.owned[t]) > 0 && !it.Force {
		return applier.Outcome{Item: it, Err: &applier.ConflictError{Target: it.Target, Conflicts: f.owned[t]}, Conflicts: f.owned[t]}
	}
	if it.Force {
		t += " (forced)"
	}
	f.applied = append(f.applied, t)
	return applier.Outcome{Item: it, Changed: true, Warnings: f.warn[it.Target.String()]}
}

var (
	fixDep = remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "agents", Name: "browser-agent"}
	fixNP  = remediate.Target{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy", Namespace: "agents", Name: "browser-agent-egress"}
	fixSTS = remediate.Target{APIVersion: "apps/v1", Kind: "StatefulSet", Namespace: "rag", Name: "qdrant"}
)

// runApplyFlow runs the --apply flow over two items, the answer typed
// on stdin, and returns stdout, stderr (with the final error as main
// prints it), the exit code and what was applied.
func runApplyFlow(t *testing.T, c *fakeCluster, answer string, flags ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	o := &FixOptions{IOStreams: genericiooptions.IOStreams{In: strings.NewReader(answer), Out: &out, ErrOut: &errOut}}
	for _, f := range flags {
		switch f {
		case "--yes":
			o.Yes = true
		case "--force-conflicts":
			o.ForceConflicts = true
		default:
			t.Fatalf("flag %s", f)
		}
	}
	items := []applier.Item{{Target: fixNP, Object: []byte(`{}`), Plans: []string{"policy"}}, {Target: fixDep, Patch: []byte(`{}`), Plans: []string{"raise"}}}
	held := []applier.Skipped{{Target: fixSTS, Kind: remediate.KindRuntime, Reason: "its pods would stay Pending", Include: remediate.IncludePending}}
	code := Report(&errOut, o.applyItems(context.Background(), c, items, held))
	return out.String(), errOut.String(), code
}

// TestFixApplyDecliningSaysItOnce: a no prints one message, applies
// nothing and exits 1.
func TestFixApplyDecliningSaysItOnce(t *testing.T) {
	for _, answer := range []string{"n\n", "\n", "", "maybe\n"} {
		c := &fakeCluster{}
		out, errOut, code := runApplyFlow(t, c, answer)
		prompt := `Apply 2 changes with server-side apply as "tiergate"? [y/N] `
		if code != ExitFindings || len(c.applied) != 0 || errOut != prompt+"tiergate: not confirmed; nothing applied\n" || strings.Contains(out, "nothing applied") {
			t.Errorf("answer %q: exit %d, applied %v\nstdout:\n%s\nstderr:\n%s", answer, code, c.applied, out, errOut)
		}
		if !strings.Contains(out, "held back StatefulSet/rag/qdrant [runtime-class]: its pods would stay Pending; --allow-pending applies it") {
			t.Errorf("the held-back change is not said:\n%s", out)
		}
	}
	c := &fakeCluster{}
	if _, _, code := runApplyFlow(t, c, "y\n"); code != ExitFindings || fmt.Sprint(c.applied) != "[NetworkPolicy/agents/browser-agent-egress Deployment/agents/browser-agent]" {
		t.Errorf("yes: exit %d (the held-back change counts), applied %v", code, c.applied)
	}
}

// TestFixApplyWarningsOncePerObject: the server's warnings are printed
// with their object's dry run, once, and the apply adds only new ones.
func TestFixApplyWarningsOncePerObject(t *testing.T) {
	psa := `would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false`
	c := &fakeCluster{warn: map[string][]string{fixDep.String(): {psa}, fixNP.String(): {"policy warning"}}}
	out, errOut, _ := runApplyFlow(t, c, "", "--yes")
	if strings.Count(out, psa) != 1 || strings.Count(out, "policy warning") != 1 || strings.Contains(errOut, "warning") {
		t.Fatalf("warnings not once each on stdout:\n%s\nstderr:\n%s", out, errOut)
	}
	// Under their object: after its plan, before its diff.
	dep := out[strings.Index(out, "# "+fixDep.String()):]
	if i := strings.Index(dep, "server warning: "+psa); i < 0 || i > strings.Index(dep, "--- live") {
		t.Errorf("the warning is not with its object:\n%s", out)
	}
}

// TestFixApplyConflicts: fields other managers own are listed field →
// manager with the GitOps note; the question offers the changes without
// conflicts (y) or all of them taking ownership (o); --yes leaves the
// conflicting change alone, --force-conflicts takes it.
func TestFixApplyConflicts(t *testing.T) {
	cluster := func() *fakeCluster {
		return &fakeCluster{
			owned:  map[string][]applier.Conflict{fixDep.String(): {{Field: ".spec.template.spec.runtimeClassName", Manager: "tiergate-seed"}}},
			gitops: map[string]*applier.GitOps{fixDep.String(): {Tool: "Flux", Evidence: "label kustomize.toolkit.fluxcd.io/name=apps", Reverts: "at its next reconciliation"}},
		}
	}
	for _, tt := range []struct {
		name, answer string
		flags        []string
		applied      string
		code         int
		prompt, out  string
	}{
		{name: "y: the change without conflicts", answer: "y\n", applied: "[NetworkPolicy/agents/browser-agent-egress]", code: ExitFindings,
			prompt: "  y  the 1 change without conflicts\n  o  all 2, taking ownership of 1 field from tiergate-seed (what --force-conflicts does)\n  N  nothing\n[y/o/N] ",
			out:    "not applied Deployment/agents/browser-agent: .spec.template.spec.runtimeClassName → tiergate-seed; --force-conflicts takes ownership of them"},
		{name: "o: all, taking ownership", answer: "o\n", applied: "[NetworkPolicy/agents/browser-agent-egress Deployment/agents/browser-agent (forced)]", code: ExitFindings,
			out: "applied Deployment/agents/browser-agent, taking ownership of the fields listed above"},
		{name: "N: nothing", answer: "N\n", applied: "[]", code: ExitFindings},
		{name: "--yes leaves the conflict", flags: []string{"--yes"}, applied: "[NetworkPolicy/agents/browser-agent-egress]", code: ExitFindings,
			out: "not applied Deployment/agents/browser-agent: .spec.template.spec.runtimeClassName → tiergate-seed"},
		{name: "--yes --force-conflicts takes it", flags: []string{"--yes", "--force-conflicts"}, applied: "[NetworkPolicy/agents/browser-agent-egress Deployment/agents/browser-agent (forced)]", code: ExitFindings},
		{name: "--force-conflicts asks a plain yes", answer: "y\n", flags: []string{"--force-conflicts"}, applied: "[NetworkPolicy/agents/browser-agent-egress Deployment/agents/browser-agent (forced)]", code: ExitFindings,
			prompt: `Apply 2 changes with server-side apply as "tiergate", taking ownership of 1 field from tiergate-seed (--force-conflicts)? [y/N] `},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := cluster()
			out, errOut, code := runApplyFlow(t, c, tt.answer, tt.flags...)
			if code != tt.code || fmt.Sprint(c.applied) != tt.applied && !(tt.applied == "[]" && len(c.applied) == 0) {
				t.Errorf("exit %d, applied %v; want %d, %s\n%s%s", code, c.applied, tt.code, tt.applied, out, errOut)
			}
			for _, want := range []string{
				"#   CONFLICT: fields another manager owns; the diff below is what taking ownership of them would do:\n#     .spec.template.spec.runtimeClassName → tiergate-seed\n",
				"#   NOTE: managed by Flux (label kustomize.toolkit.fluxcd.io/name=apps): a live change to the fields it declares is set back at its next reconciliation",
				tt.out,
			} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if tt.prompt != "" && !strings.Contains(errOut, tt.prompt) {
				t.Errorf("stderr lacks %q:\n%s", tt.prompt, errOut)
			}
			if len(tt.flags) == 0 && !strings.Contains(errOut, "Note: 1 of these is managed by Flux: a live change there lasts until its next sync") {
				t.Errorf("the question does not say a GitOps tool manages one:\n%s", errOut)
			}
		})
	}
}

// TestFixConfirmAnswers: the question's answers, an interrupt, and a
// pipe on stdin.
func TestFixConfirmAnswers(t *testing.T) {
	clean := []applier.Outcome{{Item: applier.Item{Target: fixNP}, Changed: true}}
	owning := append(clean, applier.Outcome{Item: applier.Item{Target: fixDep}, Changed: true, Conflicts: []applier.Conflict{{Field: ".a", Manager: "m"}}})
	onlyOwning := owning[1:]
	ask := func(ctx context.Context, in io.Reader, ready []applier.Outcome) (answer, string, error) {
		var errOut bytes.Buffer
		o := &FixOptions{IOStreams: genericiooptions.IOStreams{In: in, Out: io.Discard, ErrOut: &errOut}}
		a, err := o.confirm(ctx, ready)
		return a, errOut.String(), err
	}
	for _, tt := range []struct {
		ready []applier.Outcome
		in    string
		want  answer
	}{
		{clean, "y\n", answerAll}, {clean, "YES\n", answerAll}, {clean, "n\n", answerNone}, {clean, "\n", answerNone}, {clean, "", answerNone}, {clean, "o\n", answerNone},
		{owning, "y\n", answerClean}, {owning, "o\n", answerAll}, {owning, "OWN\n", answerAll}, {owning, "\n", answerNone}, {owning, "maybe\n", answerNone},
		{onlyOwning, "y\n", answerNone}, {onlyOwning, "o\n", answerAll},
	} {
		got, prompt, err := ask(context.Background(), strings.NewReader(tt.in), tt.ready)
		if err != nil || got != tt.want {
			t.Errorf("%d ready, answer %q: %v %v, want %v\n%s", len(tt.ready), tt.in, got, err, tt.want, prompt)
		}
		if len(tt.ready) == 1 && len(tt.ready[0].Conflicts) > 0 && (strings.Contains(prompt, "  y ") || !strings.Contains(prompt, "[o/N]")) {
			t.Errorf("with every change conflicting, y is offered:\n%s", prompt)
		}
	}
	// An interrupt while it waits is a no.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, w := io.Pipe()
	defer w.Close()
	if got, _, err := ask(ctx, r, clean); got != answerNone || err != nil {
		t.Errorf("interrupted: %v %v", got, err)
	}
	// A pipe on stdin is not a person.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	if _, _, err := ask(context.Background(), pr, clean); err == nil || !strings.Contains(err.Error(), "--yes") {
		t.Errorf("stdin a pipe: %v", err)
	}
}
