package cluster

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
)

func parse(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

// TestStripWorkloadKeepsNoSecret: the custom kinds' transform drops
// status, managedFields and annotations (kubectl's last-applied copy
// holds every value), keeps of env values only the addresses they name
// (in pod templates and beside an operator's image) and of a Ray Serve
// config's env_vars only their names, reduces references
// to their kind, and keeps the name, labels, owners and the rest of the
// spec.
func TestStripWorkloadKeepsNoSecret(t *testing.T) {
	u := parse(t, `
apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata:
  name: big
  namespace: llm
  uid: u1
  labels: {app: big}
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"env":"hf_LASTAPPLIED"}'
  managedFields: [{manager: kubectl, fieldsV1: {f:spec: {}}}]
  ownerReferences: [{apiVersion: v1, kind: Thing, name: owner, uid: o1, controller: true}]
spec:
  leaderWorkerTemplate:
    size: 2
    leaderTemplate:
      metadata:
        annotations:
          vault.example.com/token: SECRETINANNOTATION
          container.apparmor.security.beta.kubernetes.io/vllm: runtime/default
      spec:
        containers:
        - name: vllm
          image: vllm/vllm-openai:v0.9.2
          livenessProbe:
            httpGet: {path: /health, port: 8000, httpHeaders: [{name: Authorization, value: "Bearer SECRETHEADER"}]}
          readinessProbe:
            httpGet: {host: gateway.llm.svc, path: /ready, port: 8000}
          lifecycle:
            preStop: {exec: {command: [sh, -c, "curl -H 'X-Token: SECRETHOOK' http://x"]}}
          env:
          - {name: HF_TOKEN, value: hf_SECRETVALUE}
          - {name: OPENAI_BASE_URL, value: "http://user:PASSWORD@gateway.llm.svc:8000/v1"}
          - name: API_KEY
            valueFrom: {secretKeyRef: {name: keys, key: SECRETKEYNAME}}
          - name: LEVEL
            valueFrom: {configMapKeyRef: {name: cm, key: level}}
          - name: POD
            valueFrom: {fieldRef: {fieldPath: metadata.name}}
  image: ghcr.io/stacklok/fetch
  env:
  - {name: TOKEN, value: tok_SECRETBESIDE}
  model:
    env: {HF_TOKEN: hf_SECRETINENVMAP, VLLM_ENDPOINT: "http://vllm.llm.svc:8000"}
  serveConfigV2: |
    applications:
    - name: llm
      import_path: ray.serve.llm:build_openai_app
      runtime_env:
        env_vars: {HF_TOKEN: hf_SECRETINSERVECONFIG}
status:
  conditions: [{type: Available, message: "hf_STATUS"}]
`)
	out, err := stripWorkload(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out.(*unstructured.Unstructured).Object)
	for _, secret := range []string{"SECRET", "PASSWORD", "LASTAPPLIED", "STATUS", "managedFields", "kubectl.kubernetes.io", "fieldRef", "keys"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("kept %q: %s", secret, b)
		}
	}
	for _, kept := range []string{`"name":"big"`, `"app":"big"`, `"kind":"Thing"`, `"gateway.llm.svc:8000"`, `"secretKeyRef":{}`, `"configMapKeyRef":{}`, `"size":2`, `"image":"ghcr.io/stacklok/fetch"`, `import_path: ray.serve.llm:build_openai_app`, `HF_TOKEN: \"\"`, `"host":"gateway.llm.svc"`, `"container.apparmor.security.beta.kubernetes.io/vllm":"runtime/default"`, `"VLLM_ENDPOINT":"vllm.llm.svc:8000"`} {
		if !strings.Contains(string(b), kept) {
			t.Errorf("lost %s: %s", kept, b)
		}
	}
	if strings.Contains(u.GetAnnotations()["kubectl.kubernetes.io/last-applied-configuration"], "hf_LASTAPPLIED") != true {
		t.Error("the transform changed the object it was given")
	}
}

// TestCustomWorkloadsWithoutPods: custom resources with no pods become
// workloads with their templates as offline (a warm pool and its claim
// run their SandboxTemplate's), and their controlling owners go into the
// owner index (a RayCluster's RayService).
func TestCustomWorkloadsWithoutPods(t *testing.T) {
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(`
apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxTemplate
metadata: {name: py, namespace: agents}
spec:
  podTemplate:
    spec:
      containers: [{name: python, image: registry.example.com/python:3.12}]
---
apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxWarmPool
metadata: {name: pool, namespace: agents}
spec: {replicas: 2, sandboxTemplateRef: {name: py}}
---
apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxClaim
metadata: {name: claim, namespace: agents}
spec: {warmPoolRef: {name: pool}}
---
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: rc
  namespace: agents
  ownerReferences: [{apiVersion: ray.io/v1, kind: RayService, name: svc, uid: s1, controller: true}]
spec:
  headGroupSpec:
    template:
      spec:
        containers: [{name: head, image: rayproject/ray:2.9.0}]
`, "\n---\n") {
		o, err := stripWorkload(parse(t, doc))
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o.(*unstructured.Unstructured))
	}
	owners := audit.OwnerIndex{}
	ws, err := customWorkloads(objs, owners)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]audit.Workload{}
	for _, w := range ws {
		got[w.Kind+"/"+w.Name] = w
		if w.Source != nil {
			t.Errorf("%s/%s: a file source on a live workload", w.Kind, w.Name)
		}
		want := "no pods" // until SelectWorkloads finds their pods
		if w.Kind == kinds.SandboxTemplate.Kind {
			want = "Template" // sandboxes run from it, never pods of its own
		}
		if w.Status.Text() != want {
			t.Errorf("%s/%s: STATUS %q, want %q", w.Kind, w.Name, w.Status.Text(), want)
		}
	}
	for _, key := range []string{"SandboxTemplate/py", "SandboxWarmPool/pool", "SandboxClaim/claim"} {
		w, ok := got[key]
		if !ok || len(w.Templates) != 1 || w.Templates[0].Spec.Containers[0].Image != "registry.example.com/python:3.12" {
			t.Errorf("%s: %+v", key, w)
		}
	}
	if w := got["SandboxClaim/claim"]; len(w.Templates) == 1 && w.Templates[0].From != kinds.SandboxTemplate.Kind+"/py" {
		t.Errorf("the claim's template comes from %q", w.Templates[0].From)
	}
	if _, ok := got["RayCluster/rc"]; !ok {
		t.Errorf("no RayCluster workload: %v", got)
	}
	if o := owners[audit.KeyOf(kinds.RayCluster.APIVersion(), "RayCluster", "agents", "rc")]; o.Kind != "RayService" || o.APIVersion != kinds.RayService.APIVersion() || o.Name != "svc" {
		t.Errorf("the RayCluster's owner: %+v", o)
	}
}

// TestServedCustomsAsksDiscovery: only the custom kinds the cluster
// serves are watched, each in the first of its versions served (an older
// agent-sandbox serving only v1alpha1 is watched in it); a kind whose CRD
// is not installed is left out without a gap.
func TestServedCustomsAsksDiscovery(t *testing.T) {
	kube := fake.NewSimpleClientset()
	kube.Fake.Resources = []*metav1.APIResourceList{
		{GroupVersion: "agents.x-k8s.io/v1alpha1", APIResources: []metav1.APIResource{{Name: "sandboxes", Kind: "Sandbox", Namespaced: true}}},
		{GroupVersion: "leaderworkerset.x-k8s.io/v1", APIResources: []metav1.APIResource{{Name: "leaderworkersets", Kind: "LeaderWorkerSet", Namespaced: true}}},
		{GroupVersion: "serving.kserve.io/v1alpha1", APIResources: []metav1.APIResource{{Name: "llminferenceservices", Kind: "LLMInferenceService", Namespaced: true}}},
		{GroupVersion: "serving.kserve.io/v1alpha2", APIResources: []metav1.APIResource{{Name: "llminferenceservices", Kind: "LLMInferenceService", Namespaced: true}}},
	}
	got := map[string]string{}
	for _, r := range servedCustoms(&Clients{Discovery: kube.Discovery()}) {
		got[r.kind.Kind] = r.gvr.Version
		if r.loss == "" || !r.namespaced {
			t.Errorf("%s: %+v", r.kind.Kind, r)
		}
	}
	want := map[string]string{"Sandbox": "v1alpha1", "LeaderWorkerSet": "v1", "LLMInferenceService": "v1alpha2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("watched %v, want %v", got, want)
	}
}

// TestStripServeConfig: a Ray Serve config without env_vars is kept as
// written (the offline audit reads the same words); one that does not
// parse is dropped rather than kept with whatever values it holds.
func TestStripServeConfig(t *testing.T) {
	plain := map[string]any{"serveConfigV2": "import_path: ray.serve.llm:build_openai_app"}
	stripServeConfig(plain)
	if plain["serveConfigV2"] != "import_path: ray.serve.llm:build_openai_app" {
		t.Errorf("a config without env_vars changed: %q", plain["serveConfigV2"])
	}
	broken := map[string]any{"serveConfigV2": "env_vars: {HF_TOKEN: hf_x"}
	stripServeConfig(broken)
	if _, kept := broken["serveConfigV2"]; kept {
		t.Errorf("an unparseable config kept: %q", broken["serveConfigV2"])
	}
}

// TestOneUnreadableCustomResourceHidesNoOther: a custom resource whose
// template the loader cannot read is named on its own, and the others
// are still audited.
func TestOneUnreadableCustomResourceHidesNoOther(t *testing.T) {
	var objs []*unstructured.Unstructured
	for _, doc := range []string{`
apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxTemplate
metadata: {name: good, namespace: agents}
spec:
  podTemplate:
    spec:
      containers: [{name: python, image: registry.example.com/python:3.12}]
`, `
apiVersion: extensions.agents.x-k8s.io/v1beta1
kind: SandboxTemplate
metadata: {name: bad, namespace: agents}
spec:
  podTemplate:
    spec:
      containers: [{name: python, image: registry.example.com/python:3.12, ports: "eighty"}]
`} {
		objs = append(objs, parse(t, doc))
	}
	ws, err := customWorkloads(objs, audit.OwnerIndex{})
	if len(ws) != 1 || ws[0].Name != "good" {
		t.Errorf("workloads %v, want the readable one", ws)
	}
	if err == nil || !strings.Contains(err.Error(), "SandboxTemplate agents/bad") || strings.Contains(err.Error(), ":0:") {
		t.Errorf("error %v, want one naming SandboxTemplate agents/bad (and no empty file position)", err)
	}
}
