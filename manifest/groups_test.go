package manifest

import (
	"testing"
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/policy"
)

// twoSandboxes holds agent-sandbox's and OpenKruise's Sandbox, both
// named box, and a pod of each project's: the kind name alone cannot say
// which is which.
const twoSandboxes = `apiVersion: agents.x-k8s.io/v1beta1
kind: Sandbox
metadata: {name: box, namespace: agents, uid: a1}
spec:
  podTemplate:
    spec:
      containers: [{name: python, image: registry.example.com/python:3.12}]
---
apiVersion: agents.kruise.io/v1alpha1
kind: Sandbox
metadata: {name: box, namespace: agents, uid: k1}
spec:
  template:
    spec:
      containers: [{name: sandbox, image: e2bdev/code-interpreter:latest}]
---
apiVersion: v1
kind: Pod
metadata:
  name: box-kruise
  namespace: agents
  ownerReferences: [{apiVersion: agents.kruise.io/v1alpha1, kind: Sandbox, name: box, uid: k1, controller: true}]
spec:
  containers: [{name: sandbox, image: e2bdev/code-interpreter:latest}]
`

// TestKindsOfTwoGroupsResolveApart: each Sandbox resolves to its own
// group's kind, and so does each pod's owner reference; the pod of
// OpenKruise's Sandbox runs from it alone, not from agent-sandbox's
// Sandbox of the same name, which no pod runs from.
func TestKindsOfTwoGroupsResolveApart(t *testing.T) {
	objs, err := Parse("t.yaml", []byte(twoSandboxes), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Both, before SelectWorkloads: each object its own kind.
	for _, o := range objs[:2] {
		w, _, err := toWorkload(&o)
		if err != nil || w == nil {
			t.Fatalf("%s %s: %v", o.GetAPIVersion(), o.GetKind(), err)
		}
		want := map[string]*kinds.Kind{"a1": kinds.Sandbox, "k1": kinds.KruiseSandbox}[w.UID]
		if k, ok := kinds.ForAPIVersion(w.APIVersion, w.Kind); !ok || k != want || len(w.Templates) != 1 || w.Templates[0].SpecPath != want.Templates[0].Path {
			t.Errorf("%s: resolves to %v, templates %+v", w.UID, k, w.Templates)
		}
	}
	inv, st, err := Build(objs, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Covered != 0 || len(inv.Workloads) != 3 {
		t.Fatalf("%d workloads, %d covered: want both Sandboxes as rows and the pod", len(inv.Workloads), st.Covered)
	}
	for _, w := range inv.Workloads {
		k, _ := kinds.ForAPIVersion(w.APIVersion, w.Kind)
		switch k {
		case kinds.Pod:
			if k, ok := kinds.ForAPIVersion(w.Owner.APIVersion, w.Owner.Kind); !ok || k != kinds.KruiseSandbox {
				t.Errorf("the pod's owner resolves to %v", k)
			}
			if r := w.RunsFrom; r == nil || r.APIVersion != kinds.KruiseSandbox.APIVersion() {
				t.Errorf("the pod runs from %+v, want OpenKruise's Sandbox", r)
			}
		case kinds.KruiseSandbox:
			if w.Status.Text() != "1 pod" {
				t.Errorf("OpenKruise's Sandbox: %q, want its pod counted", w.Status.Text())
			}
		case kinds.Sandbox:
			if w.Status != nil {
				t.Errorf("agent-sandbox's Sandbox, which no pod runs from: %q", w.Status.Text())
			}
		default:
			t.Errorf("%s %s", w.APIVersion, w.Kind)
		}
	}
	if _, ok := kinds.Lookup(kinds.Sandbox.Kind); ok {
		t.Error("Lookup by the name alone found one of two Sandboxes")
	}
}

// TestTemplateRefsResolveInTheirGroup: an OpenKruise SandboxClaim runs
// the template of the SandboxSet its templateName names, a Sandbox the
// one of the SandboxTemplate its templateRef names, never agent-sandbox's
// SandboxTemplate of the same name; an OpenSandbox BatchSandbox the one
// of the Pool its poolRef names; one whose object is not in the input
// names it.
func TestTemplateRefsResolveInTheirGroup(t *testing.T) {
	inv := build(t, `apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxTemplate
metadata: {name: py, namespace: agents}
spec:
  podTemplate:
    spec:
      containers: [{name: wrong, image: registry.example.com/agent-sandbox:1}]
---
apiVersion: agents.kruise.io/v1alpha1
kind: SandboxTemplate
metadata: {name: py, namespace: agents}
spec:
  template:
    spec:
      containers: [{name: sandbox, image: registry.example.com/kruise:1}]
---
apiVersion: agents.kruise.io/v1alpha1
kind: SandboxSet
metadata: {name: pool, namespace: agents}
spec:
  replicas: 1
  templateRef: {name: py}
---
apiVersion: agents.kruise.io/v1alpha1
kind: SandboxClaim
metadata: {name: claim, namespace: agents}
spec: {templateName: pool}
---
apiVersion: agents.kruise.io/v1alpha1
kind: Sandbox
metadata: {name: by-ref, namespace: agents}
spec:
  templateRef: {name: py}
---
apiVersion: sandbox.opensandbox.io/v1alpha1
kind: Pool
metadata: {name: warm, namespace: agents}
spec:
  capacitySpec: {bufferMin: 1, bufferMax: 1, poolMin: 1, poolMax: 1}
  template:
    spec:
      containers: [{name: sandbox, image: registry.example.com/opensandbox:1}]
---
apiVersion: sandbox.opensandbox.io/v1alpha1
kind: BatchSandbox
metadata: {name: batch, namespace: agents}
spec: {replicas: 1, poolRef: warm}
---
apiVersion: sandbox.opensandbox.io/v1alpha1
kind: BatchSandbox
metadata: {name: lost, namespace: agents}
spec: {replicas: 1, poolRef: gone}
`)
	for _, c := range []struct{ kind, name, image, from string }{
		{kinds.KruiseSandboxClaim.Kind, "claim", "registry.example.com/kruise:1", "SandboxTemplate/py"},
		{kinds.KruiseSandboxSet.Kind, "pool", "registry.example.com/kruise:1", "SandboxTemplate/py"},
		{kinds.KruiseSandbox.Kind, "by-ref", "registry.example.com/kruise:1", "SandboxTemplate/py"},
		{kinds.BatchSandbox.Kind, "batch", "registry.example.com/opensandbox:1", "Pool/warm"},
	} {
		var w *audit.Workload
		for i := range inv.Workloads {
			if x := &inv.Workloads[i]; x.Kind == c.kind && x.Name == c.name {
				w = x
			}
		}
		if w == nil || len(w.Templates) != 1 || w.Templates[0].Spec.Containers[0].Image != c.image || w.Templates[0].From != c.from {
			t.Errorf("%s/%s: %+v", c.kind, c.name, w)
		}
	}
	if w := workload(t, inv, kinds.BatchSandbox.Kind, "lost"); len(w.Templates) != 0 || w.Extra.TemplateRef != "Pool/gone" {
		t.Errorf("a BatchSandbox whose Pool is not in the input: %+v", w)
	}
}

// TestCodeInterpreterRendersItsSandboxPod: an AgentCube CodeInterpreter
// carries one container's fields, not a pod template; its sandbox pod is
// rendered from them (environment as env, runtimeClassName) and, running
// the code it is sent, is code execution.
func TestCodeInterpreterRendersItsSandboxPod(t *testing.T) {
	inv := build(t, `apiVersion: runtime.agentcube.volcano.sh/v1alpha1
kind: CodeInterpreter
metadata: {name: ci, namespace: agents}
spec:
  template:
    image: ghcr.io/volcano-sh/picod:latest
    runtimeClassName: kata
    labels: {app: ci}
    environment: [{name: WORKSPACE, value: /workspace}]
`)
	w := workload(t, inv, kinds.CodeInterpreter.Kind, "ci")
	if len(w.Templates) != 1 {
		t.Fatalf("templates %+v", w.Templates)
	}
	tm := w.Templates[0]
	if tm.SpecPath != "spec.template" || tm.Labels["app"] != "ci" || tm.Spec.RuntimeClassName == nil || *tm.Spec.RuntimeClassName != "kata" ||
		len(tm.Spec.Containers) != 1 || tm.Spec.Containers[0].Image != "ghcr.io/volcano-sh/picod:latest" || tm.Spec.Containers[0].Env[0].Name != "WORKSPACE" {
		t.Errorf("rendered %+v %+v", tm, tm.Spec)
	}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	r := e.Audit(inv, audit.Options{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}).Workload(w.Kind, w.Namespace, w.Name)
	if r == nil || r.Type != policy.CodeExec {
		t.Errorf("classified %+v", r)
	}
}

// TestOpenKruiseSandboxesAreEvidenceOfTheirOwn: an OpenKruise SandboxSet
// running an image that says nothing is a sandbox by its kind, in its
// group, and not taken for agent-sandbox's.
func TestOpenKruiseSandboxesAreEvidenceOfTheirOwn(t *testing.T) {
	inv := build(t, `apiVersion: agents.kruise.io/v1alpha1
kind: SandboxSet
metadata: {name: warm, namespace: agents}
spec:
  replicas: 1
  template:
    spec:
      containers: [{name: main, image: registry.example.com/base:1}]
`)
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	r := e.Audit(inv, audit.Options{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}).Workload(kinds.KruiseSandboxSet.Kind, "agents", "warm")
	if r == nil || r.Type != policy.CodeExec || len(r.Evidence) == 0 || r.Evidence[0].Text != "kind SandboxSet (agents.kruise.io) (OpenKruise agents)" {
		t.Errorf("%+v", r)
	}
}

// TestTrainJobPodsStandForIt: a TrainJob's pods come from the JobSet its
// controller names after it (pod → Job → JobSet, which tiergate does not
// read); JobSet's name label on them says whose they are, so they are
// listed under the TrainJob's row, which says it has pods. Without pods
// it is audited alone: training, no pod spec of its own.
func TestTrainJobPodsStandForIt(t *testing.T) {
	const trainJob = `apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainJob
metadata: {name: finetune, namespace: ml}
spec:
  runtimeRef: {name: torch-distributed}
  trainer: {image: docker.io/pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime, command: [torchrun, train.py]}
`
	inv := build(t, trainJob)
	w := workload(t, inv, kinds.TrainJob.Kind, "finetune")
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	r := e.Audit(inv, audit.Options{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}).Workload(w.Kind, w.Namespace, w.Name)
	if len(w.Templates) != 0 || r == nil || r.Type != policy.None || len(r.Findings) != 0 {
		t.Errorf("a TrainJob alone: templates %d, %+v", len(w.Templates), r)
	}
	objs, err := Parse("t.yaml", []byte(trainJob+`---
apiVersion: v1
kind: Pod
metadata:
  name: finetune-node-0-0-x7k2p
  namespace: ml
  labels: {jobset.sigs.k8s.io/jobset-name: finetune}
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: finetune-node-0, uid: j1, controller: true}]
spec:
  containers: [{name: node, image: docker.io/pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime, command: [torchrun, train.py]}]
`), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, st, err := Build(objs, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Its row groups the pod its JobSet runs (by JobSet's name label).
	if len(inv.Workloads) != 2 || inv.Workloads[0].Kind != kinds.TrainJob.Kind || inv.Workloads[0].Status.Text() != "1 pod" ||
		inv.Workloads[1].RunsFrom == nil || inv.Workloads[1].RunsFrom.Kind != kinds.TrainJob.Kind || st.Covered != 0 {
		t.Errorf("with its pod: %d workloads (%s first), %d covered", len(inv.Workloads), inv.Workloads[0].Kind, st.Covered)
	}
}

// TestPodsOfEachSandboxAreEvidencedByTheirGroup: a pod of an OpenKruise
// Sandbox is a sandbox by its owner's group, and so is agent-sandbox's;
// neither is taken for the other project's.
func TestPodsOfEachSandboxAreEvidencedByTheirGroup(t *testing.T) {
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ apiVersion, want string }{
		{kinds.KruiseSandbox.APIVersion(), "owner Sandbox/box (agents.kruise.io) (OpenKruise agents)"},
		{kinds.Sandbox.APIVersion(), "owner Sandbox/box (agents.x-k8s.io) (agent-sandbox)"},
	} {
		inv := build(t, `apiVersion: v1
kind: Pod
metadata:
  name: box
  namespace: agents
  ownerReferences: [{apiVersion: `+c.apiVersion+`, kind: Sandbox, name: box, uid: u1, controller: true}]
spec:
  containers: [{name: main, image: registry.example.com/base:1}]
`)
		r := e.Audit(inv, audit.Options{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}).Workload(kinds.Pod.Kind, "agents", "box")
		if r == nil || r.Type != policy.CodeExec || len(r.Evidence) == 0 || r.Evidence[0].Text != c.want {
			t.Errorf("%s: %+v", c.apiVersion, r)
		}
	}
}
