package applier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/tiergate/tiergate/remediate"
)

// TestConflictsFromStatusCauses reads field → manager from the causes the
// API server sends (the messages as its field manager writes them), and
// nothing from errors that are no apply conflict.
func TestConflictsFromStatusCauses(t *testing.T) {
	cause := func(field, msg string) metav1.StatusCause {
		return metav1.StatusCause{Type: metav1.CauseTypeFieldManagerConflict, Field: field, Message: msg}
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"an apply manager", apierrors.NewApplyConflict([]metav1.StatusCause{cause(".spec.template.spec.runtimeClassName", `conflict with "tiergate-seed"`)}, "Apply failed with 1 conflict"),
			"[.spec.template.spec.runtimeClassName → tiergate-seed]"},
		{"an update manager with its version and time", apierrors.NewApplyConflict([]metav1.StatusCause{
			cause(".spec.replicas", `conflict with "kubectl-client-side-apply" using apps/v1 at 2026-01-02T03:04:05Z`),
			cause(`.spec.template.spec.containers[name="agent"].securityContext.readOnlyRootFilesystem`, `conflict with "argocd-controller"`),
		}, "Apply failed with 2 conflicts"),
			`[.spec.replicas → kubectl-client-side-apply .spec.template.spec.containers[name="agent"].securityContext.readOnlyRootFilesystem → argocd-controller]`},
		{"a subresource's manager", apierrors.NewApplyConflict([]metav1.StatusCause{cause(".spec.replicas", `conflict with "hpa" with subresource "scale" using apps/v1`)}, "x"),
			"[.spec.replicas → hpa]"},
		{"a quote in the name", apierrors.NewApplyConflict([]metav1.StatusCause{cause(".a", `conflict with "we\"ird"`)}, "x"), `[.a → we"ird]`},
		{"a message of another shape", apierrors.NewApplyConflict([]metav1.StatusCause{cause(".a", "owned by\nsomeone")}, "x"), "[.a → owned by someone]"},
		{"causes of other types are not conflicts", apierrors.NewApplyConflict([]metav1.StatusCause{{Type: metav1.CauseTypeFieldValueInvalid, Field: ".a"}}, "x"), "[]"},
		{"a resourceVersion conflict", apierrors.NewConflict(schema.GroupResource{Resource: "deployments"}, "a", errors.New("the object has been modified")), "[]"},
		{"a denial", apierrors.NewForbidden(schema.GroupResource{Resource: "deployments"}, "a", errors.New("no")), "[]"},
		{"wrapped", fmt.Errorf("apply: %w", apierrors.NewApplyConflict([]metav1.StatusCause{cause(".b", `conflict with "helm"`)}, "x")), "[.b → helm]"},
		{"no error", nil, "[]"},
	} {
		got := fmt.Sprint(conflictsOf(tt.err))
		if got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	e := &ConflictError{Target: remediate.Target{Kind: "Deployment", Namespace: "agents", Name: "a"}, Conflicts: []Conflict{{".x", "m1"}, {".y", "m2"}, {".z", "m1"}}}
	if got := e.Error(); got != "Deployment/agents/a: 3 fields another manager owns: .x → m1, .y → m2, .z → m1" {
		t.Errorf("error: %q", got)
	}
	if got := Managers(e.Conflicts); fmt.Sprint(got) != "[m1 m2]" {
		t.Errorf("managers %v", got)
	}
}

// conflictingServer is a fake cluster whose Deployment's runtimeClassName
// another manager owns: an unforced apply conflicts, a forced one goes
// through. It records the Force of every patch.
func conflictingServer(t *testing.T) (*Applier, *[]string) {
	t.Helper()
	live := deployment("x", "kata-missing")
	client := dynamicfake.NewSimpleDynamicClient(runtime.NewScheme(), live)
	var sent []string
	client.PrependReactor("patch", "deployments", func(a clienttesting.Action) (bool, runtime.Object, error) {
		p := a.(clienttesting.PatchActionImpl)
		force := p.PatchOptions.Force != nil && *p.PatchOptions.Force
		sent = append(sent, fmt.Sprintf("dryRun=%v force=%v", len(p.PatchOptions.DryRun) > 0, force))
		if !force {
			return true, nil, apierrors.NewApplyConflict([]metav1.StatusCause{{
				Type: metav1.CauseTypeFieldManagerConflict, Field: ".spec.template.spec.runtimeClassName", Message: `conflict with "tiergate-seed"`,
			}}, "Apply failed with 1 conflict")
		}
		return true, deployment("x", "kata-qemu"), nil
	})
	return &Applier{Client: client}, &sent
}

// TestDryRunShowsWhatTakingOwnershipWouldDo: a conflicting change is
// dry-run again, forced, to show its diff; it is applied only when the
// item says to take ownership.
func TestDryRunShowsWhatTakingOwnershipWouldDo(t *testing.T) {
	a, sent := conflictingServer(t)
	it := Item{Target: remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "agent"}, Patch: []byte(`{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu"}}}}`)}
	ctx := context.Background()

	dry := a.DryRun(ctx, it)
	if dry.Err != nil || !dry.NeedsOwnership() || !dry.Changed || !strings.Contains(dry.Diff, "+      runtimeClassName: kata-qemu") {
		t.Fatalf("dry run: err %v, ownership %v, changed %v\n%s", dry.Err, dry.NeedsOwnership(), dry.Changed, dry.Diff)
	}
	if fmt.Sprint(dry.Conflicts) != "[.spec.template.spec.runtimeClassName → tiergate-seed]" {
		t.Errorf("conflicts %v", dry.Conflicts)
	}
	if fmt.Sprint(*sent) != "[dryRun=true force=false dryRun=true force=true]" {
		t.Errorf("dry run sent %v, want an unforced then a forced dry run", *sent)
	}
	if got := Ready([]Outcome{dry}); len(got) != 1 {
		t.Errorf("a change needing ownership is not ready: %v", got)
	}

	*sent = nil
	out := a.Apply(ctx, it)
	var ce *ConflictError
	if !errors.As(out.Err, &ce) || len(out.Conflicts) != 1 || out.Changed {
		t.Errorf("apply without ownership: %v, conflicts %v", out.Err, out.Conflicts)
	}
	it.Force = true
	if out := a.Apply(ctx, it); out.Err != nil || !out.Changed {
		t.Errorf("apply taking ownership: %v", out.Err)
	}
	if fmt.Sprint(*sent) != "[dryRun=false force=false dryRun=false force=true]" {
		t.Errorf("applies sent %v", *sent)
	}
}
