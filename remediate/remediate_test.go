package remediate_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/tiergate/tiergate/audit"
	goldenfile "github.com/tiergate/tiergate/internal/golden"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/remediate"
)

var now = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// inputs are the fixtures: one per group of fix kinds, and the example
// platform with every kind at once.
func inputs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return append(files, "../examples/llm-platform.yaml")
}

type fixture struct {
	objs []manifest.Object
	inv  *audit.Inventory
	e    *audit.Engine
	rep  *audit.Report
	res  *remediate.Result
}

// workload is the fixture's object of that kind ("" for any) and name
// ("" for any); the test fails without one.
func (fx fixture) workload(t *testing.T, kind, name string) audit.Workload {
	t.Helper()
	for _, w := range fx.inv.Workloads {
		if (kind == "" || w.Kind == kind) && (name == "" || w.Name == name) {
			return w
		}
	}
	t.Fatalf("no %s %s in the fixture", kind, name)
	return audit.Workload{}
}

// read loads a manifest file as an inventory, with a default engine.
func read(t *testing.T, path string) ([]manifest.Object, *audit.Inventory, *audit.Engine) {
	t.Helper()
	objs, err := manifest.Read([]string{path}, nil, manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	return objs, inv, e
}

// load reads a fixture, audits it and computes its fixes.
func load(t *testing.T, path string, sel func(*audit.Result, *audit.Finding) bool) fixture {
	t.Helper()
	objs, inv, e := read(t, path)
	opts := audit.Options{Now: now}
	rep := e.Audit(inv, opts)
	res, err := remediate.Compute(e, inv, rep, remediate.Options{Select: sel, Audit: opts})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{objs, inv, e, rep, res}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	goldenfile.Assert(t, "./remediate", path, got)
}

// TestScriptGolden pins the patches of every fix kind, as -o patch
// prints them.
func TestScriptGolden(t *testing.T) {
	for _, in := range inputs(t) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			fx := load(t, in, nil)
			var b bytes.Buffer
			if err := remediate.WriteScript(&b, fx.res, remediate.ScriptOptions{Source: "files " + filepath.Base(in)}); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", strings.TrimSuffix(filepath.Base(in), ".yaml")+".sh"), b.Bytes())
		})
	}
}

// TestFixedObjectsAuditClean applies every change to the input objects
// (as kubectl patch or a server-side apply would), adds the objects to
// create, audits again, and checks that every finding a fix claims is gone
// and that no fix brought a new finding, except the Pending warning a fix
// carries. The per-fix patches, applied one after the other as the script
// runs them, must do the same.
func TestFixedObjectsAuditClean(t *testing.T) {
	for _, in := range inputs(t) {
		for _, perFix := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/per-fix=%v", filepath.Base(in), perFix), func(t *testing.T) { fixedObjectsAuditClean(t, in, perFix) })
		}
	}
}

func fixedObjectsAuditClean(t *testing.T, in string, perFix bool) {
	fx := load(t, in, nil)
	if len(fx.res.Fixes) == 0 {
		t.Fatal("no fixes: the fixture tests nothing")
	}
	objs := applyChanges(t, fx.objs, fx.res, perFix)
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after := fx.e.Audit(inv, audit.Options{Now: now})
	before, afterBy := byWorkload(fx.rep), byWorkload(after)
	pending := map[string]bool{}
	for _, f := range fx.res.Fixes {
		if f.Pending {
			pending[f.Workload] = true
		}
		for _, r := range f.Resolves {
			for _, got := range afterBy[f.Workload] {
				if got.Rule == r.Rule && got.Container == r.Container && got.Path == r.Path {
					t.Errorf("%s: fix %s claims %s (%s) but the re-audit still has: %s", f.Workload, f.Kind, r.Rule, r.Container, got.Message)
				}
			}
		}
	}
	for w, fs := range afterBy {
		for _, f := range fs {
			if contains(before[w], f) {
				continue
			}
			if pending[w] && (f.Rule == audit.RuleNoNodeFits || f.Rule == audit.RuleHandlerNotOnNode) {
				continue
			}
			t.Errorf("%s: a fix brought a new finding %s: %s", w, f.Rule, f.Message)
		}
	}
}

// applyChanges patches the objects the changes target (or, perFix, each
// fix's own patch in turn) and appends the objects to create.
func applyChanges(t *testing.T, objs []manifest.Object, res *remediate.Result, perFix bool) []manifest.Object {
	t.Helper()
	out := make([]manifest.Object, len(objs))
	for i, o := range objs {
		out[i] = manifest.Object{Unstructured: o.DeepCopy(), File: o.File, Line: o.Line}
	}
	changes := res.Changes
	if perFix {
		changes = nil
		for _, f := range res.Fixes {
			if f.Object == nil {
				c := remediate.Change{Target: f.Target, Patch: f.Patch, PatchType: f.PatchType}
				if f.PatchType == types.JSONPatchType {
					c.JSONPatch = f.Patch
				}
				changes = append(changes, c)
			}
		}
	}
	for _, c := range changes {
		found := false
		for i := range out {
			u := out[i].Unstructured
			if u.GetKind() != c.Target.Kind || u.GetName() != c.Target.Name || u.GetNamespace() != c.Target.Namespace {
				continue
			}
			orig, err := json.Marshal(u.Object)
			if err != nil {
				t.Fatal(err)
			}
			var patched []byte
			if c.PatchType == types.JSONPatchType {
				// A custom resource: its JSON patch, tests included.
				ops, err := jsonpatch.DecodePatch(c.JSONPatch)
				if err != nil {
					t.Fatal(err)
				}
				if patched, err = ops.Apply(orig); err != nil {
					t.Fatalf("%s: %v\n%s", c.Target, err, c.JSONPatch)
				}
			} else {
				typed, err := scheme.Scheme.New(u.GroupVersionKind())
				if err != nil {
					t.Fatal(err)
				}
				if patched, err = strategicpatch.StrategicMergePatch(orig, c.Patch, typed); err != nil {
					t.Fatalf("%s: %v", c.Target, err)
				}
			}
			m := map[string]any{}
			if err := json.Unmarshal(patched, &m); err != nil {
				t.Fatal(err)
			}
			out[i].Unstructured = &unstructured.Unstructured{Object: m}
			found = true
		}
		if !found {
			t.Fatalf("change for %s, which is not in the input", c.Target)
		}
	}
	for _, f := range res.Fixes {
		if f.Object == nil {
			continue
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(f.Object)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, manifest.Object{Unstructured: &unstructured.Unstructured{Object: m}, File: "fix"})
	}
	return out
}

func byWorkload(rep *audit.Report) map[string][]audit.Finding {
	m := map[string][]audit.Finding{}
	for _, r := range rep.Workloads {
		k := r.Kind + "/" + r.Namespace + "/" + r.Name
		m[k] = append(m[k], r.Findings...)
	}
	return m
}

// contains compares by message, not path: a patch that adds a volume may
// renumber the others.
func contains(fs []audit.Finding, f audit.Finding) bool {
	for _, x := range fs {
		if x.Rule == f.Rule && x.Container == f.Container && x.Message == f.Message {
			return true
		}
	}
	return false
}

// TestComputeLeavesInputsAlone: fixes are computed on copies.
func TestComputeLeavesInputsAlone(t *testing.T) {
	for _, in := range inputs(t) {
		_, inv, e := read(t, in)
		rep := e.Audit(inv, audit.Options{Now: now})
		invBefore, repBefore := mustJSON(t, inv), mustJSON(t, rep)
		if _, err := remediate.Compute(e, inv, rep, remediate.Options{Audit: audit.Options{Now: now}}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(invBefore, mustJSON(t, inv)) {
			t.Errorf("%s: Compute changed the inventory", in)
		}
		if !bytes.Equal(repBefore, mustJSON(t, rep)) {
			t.Errorf("%s: Compute changed the report", in)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSelectChoosesFindings: only the selected findings get fixes, and the
// others are not listed as left to a human either.
func TestSelectChoosesFindings(t *testing.T) {
	fx := load(t, "testdata/kinds.yaml", func(_ *audit.Result, f *audit.Finding) bool { return f.Rule == audit.RuleTokenAutomount })
	if len(fx.res.Fixes) == 0 {
		t.Fatal("no token fixes")
	}
	for _, f := range fx.res.Fixes {
		if f.Kind != remediate.KindToken {
			t.Errorf("selected only %s, got a %s fix", audit.RuleTokenAutomount, f.Kind)
		}
	}
	if len(fx.res.Manual) != 0 {
		t.Errorf("unselected findings listed as manual: %+v", fx.res.Manual)
	}
}

// TestPatchesNeverCarryEnvValues: a patch holds only what the fix sets.
// Of a value that names an address, the egress fix says the host and port
// it derived (qdrant:6333), never the rest: credentials, path, query.
func TestPatchesNeverCarryEnvValues(t *testing.T) {
	fx := load(t, "testdata/kinds.yaml", nil)
	all := mustJSON(t, fx.res)
	var script bytes.Buffer
	if err := remediate.WriteScript(&script, fx.res, remediate.ScriptOptions{}); err != nil {
		t.Fatal(err)
	}
	all = append(all, script.Bytes()...)
	for _, secret := range []string{"hf_do_not_print_me", "s3cr3t-pass", "indexer", "collections/docs", "k3y"} {
		if bytes.Contains(all, []byte(secret)) {
			t.Errorf("the fixes carry the env value %q", secret)
		}
	}
}

// TestReplicasShareOneFix: the pods of one Deployment get one fix, on the
// Deployment.
func TestReplicasShareOneFix(t *testing.T) {
	fx := load(t, "testdata/kinds.yaml", nil)
	w := fx.workload(t, "", "llama-vllm")
	inv := *fx.inv
	inv.Workloads = nil
	for i, hash := range []string{"a", "b", "c"} {
		pod := w
		pod.Kind, pod.APIVersion, pod.Name = "Pod", "v1", "llama-vllm-5d9c7b-"+hash
		pod.Owner = &audit.Owner{Kind: "ReplicaSet", Name: "llama-vllm-5d9c7b"}
		pod.Owners = []audit.Owner{*pod.Owner, {Kind: "Deployment", Name: "llama-vllm"}}
		pod.NodeName = "node-" + string(rune('a'+i))
		pod.Templates = []audit.PodTemplate{w.Templates[0]}
		pod.Templates[0].SpecPath = "spec"
		inv.Workloads = append(inv.Workloads, pod)
	}
	rep := fx.e.Audit(&inv, audit.Options{Now: now})
	res, err := remediate.Compute(fx.e, &inv, rep, remediate.Options{Audit: audit.Options{Now: now}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 {
		t.Fatalf("want one change (the Deployment), got %d", len(res.Changes))
	}
	c := res.Changes[0]
	if c.Target.Kind != "Deployment" || c.Target.Name != "llama-vllm" || c.Recreate {
		t.Errorf("change targets %+v (recreate %v), want the Deployment", c.Target, c.Recreate)
	}
	// At the Deployment's pod spec, spec.template.spec.
	if !strings.HasPrefix(string(c.Patch), `{"spec":{"template":{"spec":{`) {
		t.Errorf("patch is not nested at the Deployment's pod spec: %s", c.Patch)
	}
}

// TestOneRuntimeClassForEveryWorkloadThatNeedsIt: a class the fixes
// create is created once and named by every workload that needs it; a
// policy that would also select another workload's pods is not proposed.
func TestOneRuntimeClassForEveryWorkloadThatNeedsIt(t *testing.T) {
	fx := load(t, "testdata/shared.yaml", nil)
	creates, users := 0, 0
	for _, f := range fx.res.Fixes {
		switch f.Kind {
		case remediate.KindNewRuntimeClass:
			creates++
		case remediate.KindRuntime:
			if f.RuntimeClass == "kata-qemu" {
				users++
			}
		case remediate.KindNetworkPolicy:
			if f.Workload == "Deployment/docs/docs-agent" {
				t.Errorf("a policy selecting team=docs would cut web's egress too: %s", f.Plan)
			}
		}
	}
	if creates != 1 || users != 2 {
		t.Errorf("%d RuntimeClasses created for %d workloads, want 1 for 2", creates, users)
	}
}

// claimsGone parses manifests (a rewritten file, a kustomize build),
// audits them and fails for every finding a fix claims that is still
// there. Recreated objects (pods, Jobs) count only when withRecreate. It
// returns how many claims it checked.
func claimsGone(t *testing.T, fx fixture, data []byte, what string, withRecreate bool) int {
	t.Helper()
	objs, err := manifest.Parse(what, data, manifest.ParseOptions{})
	if err != nil {
		t.Fatalf("%s does not parse: %v\n%s", what, err, data)
	}
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after := byWorkload(fx.e.Audit(inv, audit.Options{Now: now}))
	checked := 0
	for _, f := range fx.res.Fixes {
		if f.Recreate && !withRecreate {
			continue
		}
		for _, r := range f.Resolves {
			checked++
			for _, got := range after[f.Workload] {
				if got.Rule == r.Rule && got.Container == r.Container && got.Path == r.Path {
					t.Errorf("%s: %s (%s) still reported after %s: %s", f.Workload, r.Rule, r.Container, what, got.Message)
				}
			}
		}
	}
	return checked
}

// TestTokenFixedOnTheServiceAccountWhenEveryUserIsFixed: in a live audit
// that saw every pod, a ServiceAccount whose every token-mounting user is
// being fixed gets automountServiceAccountToken: false itself; one shared
// with a workload that is not being fixed is left alone, and that agent's
// template is patched. Files never qualify (they hold a part of a cluster).
func TestTokenFixedOnTheServiceAccountWhenEveryUserIsFixed(t *testing.T) {
	_, inv, e := read(t, "testdata/live/accounts.yaml")
	opts := audit.Options{Now: now}
	tokenFixes := func(inv *audit.Inventory) map[string]remediate.Fix {
		res, err := remediate.Compute(e, inv, e.Audit(inv, opts), remediate.Options{Audit: opts})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]remediate.Fix{}
		for _, f := range res.Fixes {
			if f.Kind == remediate.KindToken {
				out[f.Target.String()] = f
			}
			for _, w := range f.Warnings {
				if strings.Contains(w, "still reports") {
					t.Errorf("%s: %s", f.Target, w)
				}
			}
		}
		for _, m := range res.Manual {
			if m.Rule == audit.RuleTokenAutomount {
				t.Errorf("%s: token finding left to a human: %s", m.Workload, m.Reason)
			}
		}
		return out
	}
	offline := tokenFixes(inv)
	if _, ok := offline["ServiceAccount/ops/agents"]; ok || len(offline) != 3 {
		t.Errorf("from files, want the three templates patched: %v", offline)
	}
	inv.Offline = false
	live := tokenFixes(inv)
	sa, ok := live["ServiceAccount/ops/agents"]
	if !ok || len(sa.Resolves) != 2 || string(sa.Patch) != `{"automountServiceAccountToken":false}` {
		t.Fatalf("ServiceAccount agents: %+v (all: %v)", sa, live)
	}
	if _, ok := live["Deployment/ops/triage-agent"]; ok {
		t.Error("triage-agent's template patched although its ServiceAccount is")
	}
	if _, ok := live["Deployment/ops/status-agent"]; !ok {
		t.Error("status-agent shares its ServiceAccount with status-web: its template must be patched")
	}
	if _, ok := live["ServiceAccount/ops/shared"]; ok {
		t.Error("ServiceAccount shared is used by status-web, which is not being fixed")
	}

	// As a cluster shows it: two pods per Deployment, fixed from the
	// Deployments' templates read from the cluster. The owner's template
	// still has the token finding (the ServiceAccount fix is not in the
	// cluster yet), so it is fixed, not said to be fixed already.
	pods := *inv
	pods.Workloads = nil
	owners := map[remediate.Target]*audit.Workload{}
	for i := range inv.Workloads {
		dep := &inv.Workloads[i]
		owners[remediate.Target{APIVersion: "apps/v1", Kind: "Deployment", Namespace: dep.Namespace, Name: dep.Name}] = dep
		for _, suffix := range []string{"-7f9c-a", "-7f9c-b"} {
			pod := *dep
			pod.Kind, pod.APIVersion, pod.Name = "Pod", "v1", dep.Name+suffix
			pod.Owner = &audit.Owner{Kind: "ReplicaSet", Name: dep.Name + "-7f9c"}
			pod.Owners = []audit.Owner{*pod.Owner, {Kind: "Deployment", Name: dep.Name}}
			pod.Templates = []audit.PodTemplate{{SpecPath: "spec", Labels: dep.Templates[0].Labels, Spec: dep.Templates[0].Spec.DeepCopy()}}
			pods.Workloads = append(pods.Workloads, pod)
		}
	}
	rep := e.Audit(&pods, opts)
	res, err := remediate.Compute(e, &pods, rep, remediate.Options{Audit: opts, Owners: owners})
	if err != nil {
		t.Fatal(err)
	}
	var saFix *remediate.Fix
	for i, f := range res.Fixes {
		if f.Target.String() == "ServiceAccount/ops/agents" {
			saFix = &res.Fixes[i]
		}
	}
	if saFix == nil || len(saFix.Resolves) != 2 || !strings.Contains(saFix.Plan, "(Deployment/ops/triage-agent, Deployment/ops/oncall-agent)") && !strings.Contains(saFix.Plan, "(Deployment/ops/oncall-agent, Deployment/ops/triage-agent)") {
		t.Errorf("live pods: want the ServiceAccount fixed once for each Deployment, naming the Deployments: %+v", saFix)
	}
	for _, m := range res.Manual {
		if m.Rule == audit.RuleTokenAutomount {
			t.Errorf("%s: token finding left to a human: %s", m.Workload, m.Reason)
		}
	}
}

// TestLivePodFixedFromItsOwnersTemplate: a live pod holds a sidecar a
// webhook injected; its fix is computed from the Deployment's template
// (read from the cluster), so the patch never names the sidecar, whose
// findings are left to a human.
func TestLivePodFixedFromItsOwnersTemplate(t *testing.T) {
	fx := load(t, "testdata/kinds.yaml", nil)
	dep := fx.workload(t, "", "llama-vllm")
	pod := dep
	pod.Kind, pod.APIVersion, pod.Name = "Pod", "v1", "llama-vllm-5d9c7b-x1"
	pod.Owner = &audit.Owner{Kind: "ReplicaSet", Name: "llama-vllm-5d9c7b"}
	pod.Owners = []audit.Owner{*pod.Owner, {Kind: "Deployment", Name: "llama-vllm"}}
	spec := dep.Templates[0].Spec.DeepCopy()
	spec.Containers = append(spec.Containers, corev1.Container{Name: "istio-proxy", Image: "istio/proxyv2:1.26"})
	pod.Templates = []audit.PodTemplate{{SpecPath: "spec", Labels: dep.Templates[0].Labels, Spec: spec}}
	inv := *fx.inv
	inv.Workloads = []audit.Workload{pod}
	opts := audit.Options{Now: now}
	rep := fx.e.Audit(&inv, opts)
	owners := remediate.OwnerTargets(&inv, rep, nil)
	if len(owners) != 1 || owners[0].String() != "Deployment/llm/llama-vllm" {
		t.Fatalf("owners to read: %v", owners)
	}
	res, err := remediate.Compute(fx.e, &inv, rep, remediate.Options{Audit: opts, Owners: map[remediate.Target]*audit.Workload{owners[0]: &dep}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Changes {
		if strings.Contains(string(c.Patch), "istio-proxy") {
			t.Errorf("the patch of %s names the injected sidecar: %s", c.Target, c.Patch)
		}
		if !strings.HasPrefix(string(c.Patch), `{"spec":{"template":{"spec":`) {
			t.Errorf("not at the Deployment's template: %s", c.Patch)
		}
	}
	left := false
	for _, m := range res.Manual {
		if strings.Contains(m.Message, "istio-proxy") && strings.Contains(m.Reason, "not in its owner's pod template") {
			left = true
		}
	}
	if !left {
		t.Errorf("the sidecar's findings are not left to a human: %+v", res.Manual)
	}
	// Without the owner, the pod's spec is used: the sidecar is patched.
	res, err = remediate.Compute(fx.e, &inv, rep, remediate.Options{Audit: opts})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || !strings.Contains(string(res.Changes[0].Patch), "istio-proxy") {
		t.Errorf("without the owner the pod's spec should be used: %+v", res.Changes)
	}
}

// TestLivePodsOfALeaderWorkerSetFixTheResource: a live cluster shows a
// LeaderWorkerSet as StatefulSet pods. Read from the cluster, the
// LeaderWorkerSet itself is fixed, both templates at once, with the same
// JSON patch as from its file; the leader pod's injected sidecar is left
// to a human. Unread, every finding is left to a human with the reason.
func TestLivePodsOfALeaderWorkerSetFixTheResource(t *testing.T) {
	fx := load(t, "testdata/custom.yaml", nil)
	lws := fx.workload(t, "LeaderWorkerSet", "")
	var fromFile *remediate.Change
	for i, c := range fx.res.Changes {
		if c.Target.Kind == "LeaderWorkerSet" {
			fromFile = &fx.res.Changes[i]
		}
	}
	if fromFile == nil || len(lws.Templates) != 2 {
		t.Fatalf("the fixture's LeaderWorkerSet: %d templates, change %v", len(lws.Templates), fromFile)
	}
	pod := func(name, sts string, ti int) audit.Workload {
		p := lws
		p.APIVersion, p.Kind, p.Name = "v1", "Pod", name
		p.Owner = &audit.Owner{Kind: "StatefulSet", Name: sts}
		p.Owners = []audit.Owner{*p.Owner, {Kind: "LeaderWorkerSet", Name: lws.Name}}
		p.Templates = []audit.PodTemplate{{SpecPath: "spec", Labels: lws.Templates[ti].Labels, Spec: lws.Templates[ti].Spec.DeepCopy()}}
		return p
	}
	leader, worker := pod("llama-405b-0", "llama-405b", 0), pod("llama-405b-0-1", "llama-405b-0", 1)
	leader.Templates[0].Spec.Containers = append(leader.Templates[0].Spec.Containers, corev1.Container{Name: "istio-proxy", Image: "istio/proxyv2:1.26"})
	inv := *fx.inv
	inv.Offline = false
	inv.Workloads = []audit.Workload{leader, worker}
	opts := audit.Options{Now: now}
	rep := fx.e.Audit(&inv, opts)
	targets := remediate.OwnerTargets(&inv, rep, nil)
	want := remediate.Target{APIVersion: "leaderworkerset.x-k8s.io/v1", Kind: "LeaderWorkerSet", Namespace: "llm", Name: "llama-405b"}
	if len(targets) != 1 || targets[0] != want {
		t.Fatalf("owners to read: %v, want %v", targets, want)
	}

	res, err := remediate.Compute(fx.e, &inv, rep, remediate.Options{Audit: opts, Owners: map[remediate.Target]*audit.Workload{want: &lws}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || res.Changes[0].Target != want || !bytes.Equal(res.Changes[0].JSONPatch, fromFile.JSONPatch) {
		t.Fatalf("want one JSON patch of the LeaderWorkerSet, as from its file:\n%s\ngot %d changes: %+v", fromFile.JSONPatch, len(res.Changes), res.Changes)
	}
	for _, f := range res.Fixes {
		if f.Workload != "LeaderWorkerSet/llm/llama-405b" && f.Target.Kind != "NetworkPolicy" && f.Target.Kind != "RuntimeClass" {
			t.Errorf("a fix of %s, not of the LeaderWorkerSet", f.Workload)
		}
	}
	sidecar := false
	for _, m := range res.Manual {
		if strings.Contains(m.Message, "istio-proxy") && strings.Contains(m.Reason, "not in LeaderWorkerSet/llm/llama-405b's pod templates") {
			sidecar = true
		}
	}
	if !sidecar || strings.Contains(string(res.Changes[0].JSONPatch), "istio-proxy") {
		t.Errorf("the injected sidecar should be left to a human, not patched: %+v", res.Manual)
	}

	res, err = remediate.Compute(fx.e, &inv, rep, remediate.Options{Audit: opts})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 0 || len(res.Manual) == 0 || !strings.Contains(res.Manual[0].Reason, "was not read from the cluster") {
		t.Errorf("unread owner: want everything left to a human, got %d changes, manual %+v", len(res.Changes), res.Manual)
	}
}
