package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/applier"
)

// recordingApplier stands in for the cluster in model tests: it records
// what the view sends and answers with a canned diff.
type recordingApplier struct {
	mu      sync.Mutex
	dry     []string
	applied []string
	fail    string // a target whose apply fails
	// warn are the server's warnings about a target, in its dry run and
	// its apply alike; owned are the fields other managers own in one,
	// and gitops marks one as a delivery tool's.
	warn   map[string][]string
	owned  map[string][]applier.Conflict
	gitops map[string]*applier.GitOps
}

func (r *recordingApplier) DryRun(_ context.Context, it applier.Item) applier.Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := it.Target.String()
	r.dry = append(r.dry, t)
	return applier.Outcome{Item: it, Changed: true, Diff: "--- live " + t + "\n+++ after\n+      runtimeClassName: kata-qemu\n",
		Warnings: r.warn[t], Conflicts: r.owned[t], GitOps: r.gitops[t]}
}

func (r *recordingApplier) Apply(_ context.Context, it applier.Item) applier.Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := it.Target.String()
	if it.Force {
		t += " (taking ownership)"
	}
	r.applied = append(r.applied, t)
	if it.Target.String() == r.fail {
		return applier.Outcome{Item: it, Err: errors.New(r.fail + ": denied")}
	}
	if len(r.owned[it.Target.String()]) > 0 && !it.Force {
		return applier.Outcome{Item: it, Err: &applier.ConflictError{Target: it.Target, Conflicts: r.owned[it.Target.String()]}}
	}
	return applier.Outcome{Item: it, Created: it.Object != nil, Warnings: r.warn[it.Target.String()]}
}

// run executes a command the view returned and feeds its message back.
func run(a *App, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			run(a, c)
		}
		return
	}
	_, next := a.Update(msg)
	run(a, next)
}

func pressCmd(a *App, k string) tea.Cmd {
	_, cmd := a.Update(keyMsg(k))
	return cmd
}

func openResearchAgent(t *testing.T, w, h int) *App {
	t.Helper()
	return openWorkload(t, "research", w, h)
}

// openWorkload opens the detail view of the example's workload the
// filter finds first.
func openWorkload(t *testing.T, filter string, w, h int) *App {
	t.Helper()
	a := loaded(t, examplePlatform(t), w, h)
	press(a, "/")
	typeText(a, filter)
	press(a, "enter", "enter")
	if a.focus != viewDetail {
		t.Fatal("not in the detail view")
	}
	return a
}

func TestFixShowsPatchesAndWhatIsLeft(t *testing.T) {
	a := openResearchAgent(t, 120, 40)
	cmd := pressCmd(a, "f")
	if a.focus != viewFix || !strings.Contains(screen(a), "computing the fix") {
		t.Fatalf("f did not open the fix view:\n%s", screen(a))
	}
	run(a, cmd)
	a.fix.vp.SetHeight(400) // the whole fix, for the assertions
	got := screen(a) + ansi.Strip(a.fix.View())
	for _, want := range []string{"[runtime-class] Set runtimeClassName to kata-qemu", "patch Deployment/agents/research-agent:", "runtimeClassName: kata-qemu", "[network-policy]", "create NetworkPolicy/agents/research-agent-egress"} {
		if !strings.Contains(got, want) {
			t.Errorf("fix view lacks %q:\n%s", want, got)
		}
	}
	// Files: nothing to apply to.
	press(a, "a")
	if !strings.Contains(a.chrome.notice, "apply needs a live cluster") {
		t.Errorf("a on files: notice %q", a.chrome.notice)
	}
	press(a, "esc")
	if a.focus != viewDetail {
		t.Errorf("esc from the fix view: mode %v", a.focus)
	}
}

func TestFixDryRunConfirmApply(t *testing.T) {
	a := openResearchAgent(t, 120, 40)
	const psa = `would violate PodSecurity "restricted:latest": runAsNonRoot != true`
	rec := &recordingApplier{fail: "NetworkPolicy/agents/research-agent-egress",
		warn: map[string][]string{"Deployment/agents/research-agent": {psa}}}
	a.session.tools.Applier = rec
	run(a, pressCmd(a, "f"))

	// a: the dry run of every object, then the question.
	run(a, pressCmd(a, "a"))
	if a.fix.stage != fixConfirm || !strings.Contains(screen(a), "apply 2 changes with server-side apply") {
		t.Fatalf("after the dry run: stage %v\n%s", a.fix.stage, screen(a))
	}
	if len(rec.dry) != 2 || len(rec.applied) != 0 {
		t.Fatalf("dry runs %v, applies %v", rec.dry, rec.applied)
	}
	a.fix.vp.SetHeight(400)
	// The warning is shown once, under its object.
	if v := ansi.Strip(a.fix.View()); strings.Count(v, "would violate PodSecurity") != 1 || !strings.Contains(v, "server warning, Deployment/agents/research-agent: would violate PodSecurity") {
		t.Errorf("the server's warning is not shown once with its object:\n%s", v)
	}
	// n declines: nothing applied.
	press(a, "n")
	if len(rec.applied) != 0 || a.fix.stage != fixShown || a.chrome.notice != "nothing applied" {
		t.Fatalf("n: applied %v, stage %v, notice %q", rec.applied, a.fix.stage, a.chrome.notice)
	}
	// a again, then y: applied object by object, failures said.
	run(a, pressCmd(a, "a"))
	run(a, pressCmd(a, "y"))
	if fmt.Sprint(rec.applied) != "[NetworkPolicy/agents/research-agent-egress Deployment/agents/research-agent]" {
		t.Errorf("applied %v, want the policy, then the Deployment", rec.applied)
	}
	a.fix.vp.SetHeight(400)
	view := ansi.Strip(a.fix.View())
	if !strings.Contains(view, "applied Deployment/agents/research-agent") || !strings.Contains(view, "failed: NetworkPolicy/agents/research-agent-egress: denied") {
		t.Errorf("results not shown:\n%s", view)
	}
	// The apply warned as the dry run did: still shown once.
	if n := strings.Count(view, "would violate PodSecurity"); n != 1 {
		t.Errorf("the server's warning is shown %d times:\n%s", n, view)
	}
}

// TestFixResultForAnotherWorkloadIsDropped: a slow fix of a workload the
// user has left does not replace the one on screen; the request made
// meanwhile runs at once (the engine is shared safely) and its answer is
// shown whichever lands first.
func TestFixResultForAnotherWorkloadIsDropped(t *testing.T) {
	a := openResearchAgent(t, 120, 40)
	stale := pressCmd(a, "f") // research-agent's, not run yet
	press(a, "esc", "esc")
	press(a, "esc") // clear the filter
	press(a, "/")
	typeText(a, "openhands")
	press(a, "enter", "enter")
	fresh := pressCmd(a, "f")
	if fresh == nil {
		t.Fatal("the second fix did not start while the first one runs")
	}
	old := stale() // research-agent's answer
	if _, next := a.Update(old); next != nil || a.fix.stage != fixComputing {
		t.Fatalf("a stale fix was shown (stage %v)", a.fix.stage)
	}
	run(a, fresh)
	if a.fix.stage != fixShown || !strings.Contains(a.fix.name, "openhands") {
		t.Fatalf("the fresh fix is not shown: %v %s", a.fix.stage, a.fix.name)
	}
	before := ansi.Strip(a.fix.View())
	if _, next := a.Update(old); next != nil {
		t.Fatal("the stale fix started something")
	}
	if !strings.Contains(a.fix.name, "openhands") || ansi.Strip(a.fix.View()) != before {
		t.Fatalf("a stale fix replaced the one on screen: %s", a.fix.name)
	}
	a.fix.vp.SetHeight(400)
	if v := ansi.Strip(a.fix.View()); !strings.Contains(v, "LEFT TO A HUMAN") || !strings.Contains(v, "TG-PSS-007") {
		t.Errorf("openhands' privileged container is not left to a human:\n%s", v)
	}
}

// TestFixKeysWaitForTheServer: during a dry run or an apply the view stays
// put (its answer must be seen), and an answer to an older request is
// dropped.
func TestFixKeysWaitForTheServer(t *testing.T) {
	a := openResearchAgent(t, 120, 40)
	a.session.tools.Applier = &recordingApplier{}
	run(a, pressCmd(a, "f"))
	dry := pressCmd(a, "a")
	for _, k := range []string{"esc", "n", "q", ":"} {
		if cmd := pressCmd(a, k); cmd != nil || a.focus != viewFix {
			t.Fatalf("%s during the dry run: mode %v", k, a.focus)
		}
	}
	if !strings.Contains(a.chrome.notice, "waiting for the server") {
		t.Errorf("notice %q", a.chrome.notice)
	}
	old := dry() // answers request n
	run(a, func() tea.Msg { return old })
	if a.fix.stage != fixConfirm {
		t.Fatalf("stage %v after the dry run", a.fix.stage)
	}
	// The question stays on the status line over a notice.
	a.chrome.notice = "something else"
	if !strings.Contains(screen(a), "y yes · n no") {
		t.Errorf("the question is not on screen:\n%s", screen(a))
	}
	press(a, "n")
	run(a, pressCmd(a, "a")) // a new dry run: request n+1
	run(a, func() tea.Msg { return old })
	if a.fix.stage != fixConfirm || len(a.fix.dry) != 2 {
		t.Fatalf("stage %v, %d outcomes", a.fix.stage, len(a.fix.dry))
	}
	// ctrl+c during the apply quits and says so.
	pressCmd(a, "y")
	if !a.fix.Busy() {
		t.Fatal("not applying")
	}
	press(a, "ctrl+c")
	if !a.QuitDuringApply() {
		t.Error("quitting mid-apply is not reported")
	}
}

// TestFixConfirmNamesPendingPods: the example's qdrant would stay Pending
// under the class its tier needs; the apply question says so.
func TestFixConfirmNamesPendingPods(t *testing.T) {
	a := openWorkload(t, "qdrant", 160, 40)
	a.session.tools.Applier = &recordingApplier{}
	run(a, pressCmd(a, "f"))
	run(a, pressCmd(a, "a"))
	if a.fix.stage != fixConfirm || !strings.Contains(screen(a), "1 leaving pods Pending?  y yes, anyway") {
		t.Fatalf("the apply question does not name the Pending pods: stage %v\n%s", a.fix.stage, screen(a))
	}
}

// conflictingResearchAgent opens research-agent's fix against a cluster
// where the seeding's field manager owns the Deployment's runtimeClassName
// and Argo CD manages it, and runs the dry run.
func conflictingResearchAgent(t *testing.T, w, h int) (*App, *recordingApplier) {
	t.Helper()
	a := openResearchAgent(t, w, h)
	rec := &recordingApplier{
		owned: map[string][]applier.Conflict{"Deployment/agents/research-agent": {{Field: ".spec.template.spec.runtimeClassName", Manager: "tiergate-seed"}}},
		gitops: map[string]*applier.GitOps{"Deployment/agents/research-agent": {Tool: "Argo CD", Evidence: "label argocd.argoproj.io/instance=agents",
			Reverts: "at its next sync (at once with self-heal)"}},
	}
	a.session.tools.Applier = rec
	run(a, pressCmd(a, "f"))
	run(a, pressCmd(a, "a"))
	return a, rec
}

// TestFixTakeOwnership: the apply question offers the changes without
// conflicts (y) or all of them taking ownership (o); the conflicts are
// listed field → manager with the GitOps note.
func TestFixTakeOwnership(t *testing.T) {
	a, rec := conflictingResearchAgent(t, 160, 40)
	if a.fix.stage != fixConfirm || !strings.Contains(screen(a), `apply?  y 1 without conflicts · o all 2, taking 1 field · n no`) {
		t.Fatalf("the question does not offer ownership: stage %v\n%s", a.fix.stage, screen(a))
	}
	a.fix.vp.SetHeight(400)
	v := ansi.Strip(a.fix.View())
	for _, want := range []string{".spec.template.spec.runtimeClassName → tiergate-seed", "note: Deployment/agents/research-agent is managed by Argo CD", "-o kustomize"} {
		if !strings.Contains(v, want) {
			t.Errorf("the dry run lacks %q:\n%s", want, v)
		}
	}
	// y: only the change without conflicts.
	run(a, pressCmd(a, "y"))
	if fmt.Sprint(rec.applied) != "[NetworkPolicy/agents/research-agent-egress]" {
		t.Fatalf("y applied %v", rec.applied)
	}
	// o: all of them, the conflicting one taking ownership.
	a, rec = conflictingResearchAgent(t, 160, 40)
	run(a, pressCmd(a, "o"))
	if fmt.Sprint(rec.applied) != "[NetworkPolicy/agents/research-agent-egress Deployment/agents/research-agent (taking ownership)]" {
		t.Fatalf("o applied %v", rec.applied)
	}
	a.fix.vp.SetHeight(400)
	if v := ansi.Strip(a.fix.View()); !strings.Contains(v, "applied Deployment/agents/research-agent, taking ownership of the fields listed above") {
		t.Errorf("the apply does not say ownership was taken:\n%s", v)
	}
	// Without conflicts, o is no answer.
	b := openResearchAgent(t, 120, 40)
	plain := &recordingApplier{}
	b.session.tools.Applier = plain
	run(b, pressCmd(b, "f"))
	run(b, pressCmd(b, "a"))
	run(b, pressCmd(b, "o"))
	if len(plain.applied) != 0 || b.fix.stage != fixConfirm {
		t.Errorf("o without conflicts applied %v (stage %v)", plain.applied, b.fix.stage)
	}
}

// TestFixConflictGoldens pins the fix view after a dry run with
// conflicts, at 80x24 and 160x48.
func TestFixConflictGoldens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			a, _ := conflictingResearchAgent(t, w, h)
			got := screen(a)
			lines := strings.Split(got, "\n")
			if len(lines) != h {
				t.Fatalf("%d lines, want %d", len(lines), h)
			}
			for i, l := range lines {
				if n := ansi.StringWidth(l); n != w {
					t.Fatalf("line %d is %d cells wide, want %d: %q", i+1, n, w, l)
				}
			}
			golden(t, fmt.Sprintf("fix-conflicts-%dx%d", w, h), got)
		})
	}
}
