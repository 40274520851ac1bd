package manifest

import (
	"testing"

	"github.com/tiergate/tiergate/audit"
)

func build(t *testing.T, doc string) *audit.Inventory {
	t.Helper()
	objs, err := Parse("t.yaml", []byte(doc), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := Build(objs, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func workload(t *testing.T, inv *audit.Inventory, kind, name string) *audit.Workload {
	t.Helper()
	for i := range inv.Workloads {
		if w := &inv.Workloads[i]; w.Kind == kind && w.Name == name {
			return w
		}
	}
	t.Fatalf("no %s/%s among %d workloads", kind, name, len(inv.Workloads))
	return nil
}

func TestExtractLeaderWorkerSetRoles(t *testing.T) {
	inv := build(t, `apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata: {name: vllm}
spec:
  leaderWorkerTemplate:
    leaderTemplate:
      metadata: {labels: {role: leader}}
      spec:
        containers: [{name: leader, image: vllm/vllm-openai:v0.9.2}]
    workerTemplate:
      spec:
        runtimeClassName: kata-qemu
        containers: [{name: worker, image: vllm/vllm-openai:v0.9.2}]
`)
	w := workload(t, inv, "LeaderWorkerSet", "vllm")
	if len(w.Templates) != 2 {
		t.Fatalf("got %d templates", len(w.Templates))
	}
	l, wk := w.Templates[0], w.Templates[1]
	if l.Role != "leaderTemplate" || l.SpecPath != "spec.leaderWorkerTemplate.leaderTemplate.spec" || l.Labels["role"] != "leader" {
		t.Errorf("leader: %+v", l)
	}
	if wk.Role != "workerTemplate" || *wk.Spec.RuntimeClassName != "kata-qemu" || wk.Labels["leaderworkerset.sigs.k8s.io/name"] != "vllm" {
		t.Errorf("worker: %+v", wk)
	}
	if w.Namespace != "default" {
		t.Errorf("namespace: got %q, want default", w.Namespace)
	}
}

func TestExtractRayWorkerGroupNames(t *testing.T) {
	inv := build(t, `apiVersion: ray.io/v1
kind: RayService
metadata: {name: llm}
spec:
  serveConfigV2: "import_path: ray.serve.llm:build_openai_app"
  rayClusterConfig:
    headGroupSpec:
      template:
        spec:
          containers: [{name: head, image: rayproject/ray-llm:2.52.0}]
    workerGroupSpecs:
    - groupName: gpu-group
      template:
        spec:
          containers: [{name: w, image: rayproject/ray-llm:2.52.0}]
`)
	w := workload(t, inv, "RayService", "llm")
	if len(w.Templates) != 2 || w.Templates[0].Role != "head" || w.Templates[1].Role != "worker group gpu-group" {
		t.Fatalf("roles: %+v", w.Templates)
	}
	if w.Extra.ServeConfig == "" {
		t.Error("serveConfigV2 not recorded")
	}
}

func TestExtractKServeModel(t *testing.T) {
	inv := build(t, `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: llama, namespace: llm}
spec:
  predictor:
    serviceAccountName: hf
    model:
      modelFormat: {name: huggingface}
      storageUri: hf://meta-llama/Llama-3.1-8B-Instruct
      args: [--backend=vllm]
      resources:
        limits: {nvidia.com/gpu: "1"}
`)
	w := workload(t, inv, "InferenceService", "llama")
	if len(w.Templates) != 1 {
		t.Fatalf("templates: %d", len(w.Templates))
	}
	spec := w.Templates[0].Spec
	if spec.ServiceAccountName != "hf" || spec.Containers[0].Name != "kserve-container" || len(spec.Containers[0].Args) != 1 {
		t.Errorf("predictor spec: %+v", spec)
	}
	if len(w.Extra.ModelFormats) != 1 || w.Extra.ModelFormats[0] != "huggingface" || w.Extra.StorageURIs[0] != "hf://meta-llama/Llama-3.1-8B-Instruct" {
		t.Errorf("extra: %+v", w.Extra)
	}
	// KServe labels its pods; policies written against them must match.
	if l := w.Templates[0].Labels; l["serving.kserve.io/inferenceservice"] != "llama" || l["component"] != "predictor" {
		t.Errorf("controller labels: %v", l)
	}
}

func TestExtractOperatorImage(t *testing.T) {
	inv := build(t, `apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServer
metadata: {name: fetch}
spec:
  image: ghcr.io/stackloklabs/mcp-fetch:0.2.1
  env: [{name: MCP_TRANSPORT, value: sse}]
  podTemplateSpec:
    spec:
      containers:
      - name: mcp
        securityContext: {allowPrivilegeEscalation: false}
---
apiVersion: toolhive.stacklok.dev/v1beta1
kind: EmbeddingServer
metadata: {name: emb}
spec:
  image: ghcr.io/huggingface/text-embeddings-inference:cpu-1.7
  env: [{name: RUST_LOG, value: info}]
  resources: {limits: {cpu: "2"}}
`)
	mcp := workload(t, inv, "MCPServer", "fetch")
	if c := mcp.Templates[0].Spec.Containers[0]; c.Name != "mcp" || c.Image != "ghcr.io/stackloklabs/mcp-fetch:0.2.1" || len(c.Env) != 1 || c.SecurityContext == nil {
		t.Errorf("MCPServer container: %+v", c)
	}
	emb := workload(t, inv, "EmbeddingServer", "emb")
	if c := emb.Templates[0].Spec.Containers[0]; c.Image == "" || len(c.Env) != 1 || c.Resources.Limits.Cpu().String() != "2" {
		t.Errorf("EmbeddingServer container: %+v", c)
	}
}

func TestExtractSandboxReferences(t *testing.T) {
	inv := build(t, `apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxTemplate
metadata: {name: py}
spec:
  podTemplate:
    spec:
      runtimeClassName: kata-fc
      containers: [{name: python-runtime, image: acme/python-runtime:1}]
  networkPolicy:
    egress:
    - ports: [{protocol: UDP, port: 53}]
---
apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxWarmPool
metadata: {name: pool}
spec:
  sandboxTemplateRef: {name: py}
---
apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxClaim
metadata: {name: claim}
spec:
  warmPoolRef: {name: pool}
---
apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxClaim
metadata: {name: orphan}
spec:
  warmPoolRef: {name: elsewhere}
`)
	for _, name := range []string{"pool", "claim"} {
		kind := map[string]string{"pool": "SandboxWarmPool", "claim": "SandboxClaim"}[name]
		w := workload(t, inv, kind, name)
		if len(w.Templates) != 1 || w.Templates[0].From != "SandboxTemplate/py" || w.Extra.NetworkPolicy == nil {
			t.Errorf("%s: templates %+v, netpol %v", name, w.Templates, w.Extra.NetworkPolicy)
		}
	}
	if o := workload(t, inv, "SandboxClaim", "orphan"); len(o.Templates) != 0 || o.Extra.TemplateRef != "SandboxWarmPool/elsewhere" {
		t.Errorf("orphan: %+v", o.Extra)
	}
}

func TestBuildSkipsSecretsAndKeepsPodFacts(t *testing.T) {
	inv := build(t, `apiVersion: v1
kind: Secret
metadata: {name: keys}
stringData: {OPENAI_API_KEY: sk-do-not-read}
---
apiVersion: v1
kind: Pod
metadata:
  name: vllm-7d9f-x2k4p
  namespace: llm
  labels: {app: vllm}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: vllm-7d9f, uid: u1, controller: true}
spec:
  nodeName: gpu-node-1
  containers: [{name: vllm, image: vllm/vllm-openai:v0.9.2}]
`)
	if len(inv.Workloads) != 1 {
		t.Fatalf("got %d workloads, want only the pod", len(inv.Workloads))
	}
	w := inv.Workloads[0]
	if w.NodeName != "gpu-node-1" || w.Owner == nil || w.Owner.Kind != "ReplicaSet" || w.Templates[0].Labels["app"] != "vllm" || w.Templates[0].SpecPath != "spec" {
		t.Errorf("pod facts: %+v", w)
	}
}

func TestBuildInventoryObjects(t *testing.T) {
	inv := build(t, `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: gvisor}
handler: runsc
---
apiVersion: v1
kind: Node
metadata: {name: n1}
status:
  runtimeHandlers: [{name: runsc}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress, namespace: llm}
spec:
  podSelector: {}
  policyTypes: [Egress]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: vllm}
automountServiceAccountToken: false
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool, namespace: llm}
spec:
  selector:
    matchLabels: {app: vllm}
`)
	if len(inv.RuntimeClasses) != 1 || !inv.RuntimeClassesComplete || len(inv.Nodes) != 1 || len(inv.NetworkPolicies) != 1 || len(inv.ServiceAccounts) != 1 {
		t.Fatalf("inventory: %+v", inv)
	}
	if inv.ServiceAccounts[0].Namespace != "default" || inv.Nodes[0].Namespace != "" {
		t.Error("namespaced objects get the default namespace, cluster-scoped ones none")
	}
	if len(inv.InferencePools) != 1 || inv.InferencePools[0].Selector["app"] != "vllm" {
		t.Errorf("pools: %+v", inv.InferencePools)
	}
}

// TestBuildAuditsPodsOfAControllerDump: with pods in the input, their
// controllers name their owners and are not audited again.
func TestBuildAuditsPodsOfAControllerDump(t *testing.T) {
	objs, err := Parse("dump.yaml", []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: vllm, namespace: llm, uid: d1}
spec:
  template:
    spec:
      containers: [{name: vllm, image: vllm/vllm-openai:v0.9.2}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: vllm-7d9f
  namespace: llm
  uid: r1
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: vllm, uid: d1, controller: true}]
spec:
  template:
    spec:
      containers: [{name: vllm, image: vllm/vllm-openai:v0.9.2}]
---
apiVersion: v1
kind: Pod
metadata:
  name: vllm-7d9f-x2k4p
  namespace: llm
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: vllm-7d9f, uid: r1, controller: true}]
spec:
  containers: [{name: vllm, image: vllm/vllm-openai:v0.9.2}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: scaled-to-zero, namespace: llm}
spec:
  template:
    spec:
      containers: [{name: vllm, image: vllm/vllm-openai:v0.9.2}]
`), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, st, err := Build(objs, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Workloads) != 2 || st.Covered != 2 {
		t.Fatalf("got %d workloads (%d covered), want the pod and the scaled-to-zero Deployment", len(inv.Workloads), st.Covered)
	}
	p := workload(t, inv, "Pod", "vllm-7d9f-x2k4p")
	if len(p.Owners) != 2 || p.Owners[0].Kind != "ReplicaSet" || p.Owners[1] != (audit.Owner{APIVersion: "apps/v1", Kind: "Deployment", Name: "vllm"}) {
		t.Errorf("owner chain: %+v", p.Owners)
	}
}
