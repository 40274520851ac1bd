package audit_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// withLabels sets labels on a workload and its template.
func withLabels(w audit.Workload, labels map[string]string) audit.Workload {
	w.Labels = labels
	w.Templates[0].Labels = labels
	return w
}

// sandboxed puts a workload under an agent-sandbox kind.
func sandboxed(w audit.Workload) audit.Workload {
	w.Kind, w.APIVersion = "Sandbox", "agents.x-k8s.io/v1alpha1"
	w.Templates[0].SpecPath = "spec.podTemplate.spec"
	return w
}

// Every case pits evidence of one tier against a pile of weaker
// evidence for another type: the stronger tier wins, whatever the pile.
// Each "against" is strong enough to decide alone (checked below), so
// the case would fail if weaker tiers could overturn stronger ones.
func TestWeakerTierNeverOverturnsStronger(t *testing.T) {
	agentEnv := []string{"OPENAI_API_KEY", "LANGCHAIN_API_KEY", "MCP_SERVER_URL", "SANDBOX_TEMPLATE"}
	kserve := map[string]string{"serving.kserve.io/inferenceservice": "x", "llm-d.ai/model": "x"}
	for _, tt := range []struct {
		name     string
		stronger audit.Workload
		// alone is the weaker evidence on its own, to show it decides
		// when nothing stronger is there.
		alone      audit.Workload
		want, weak policy.WorkloadType
	}{
		{
			"what runs (vLLM image) over wiring (agent env names)",
			pod("Deployment", "x", nil, withEnv(ctr("vllm/vllm-openai:v0.9.2"), agentEnv...)),
			pod("Deployment", "x", nil, withEnv(ctr("acme/app:1"), agentEnv...)),
			policy.Inference, policy.Agent,
		},
		{
			"what runs (Qdrant image) over labels (KServe, llm-d)",
			withLabels(pod("StatefulSet", "x", nil, ctr("qdrant/qdrant:v1.14.1")), kserve),
			withLabels(pod("StatefulSet", "x", nil, ctr("acme/app:1")), kserve),
			policy.Retrieval, policy.Inference,
		},
		{
			"what runs (MCP server kind) over names (embeddings, rag)",
			func() audit.Workload {
				w := pod("MCPServer", "rag-embedding-vector", nil, ctr("acme/app:1"))
				w.APIVersion = "toolhive.stacklok.dev/v1alpha1"
				return w
			}(),
			pod("Deployment", "rag-embedding-vector", nil, ctr("acme/app:1")),
			policy.Agent, policy.Retrieval,
		},
		{
			"wiring (vector DB env) over labels (KServe)",
			withLabels(pod("Deployment", "x", nil, withEnv(ctr("acme/app:1"), "QDRANT_URL")), kserve),
			withLabels(pod("Deployment", "x", nil, ctr("acme/app:1")), kserve),
			policy.Retrieval, policy.Inference,
		},
		{
			"wiring (an LLM API base URL) over names (rag, embeddings)",
			pod("Deployment", "rag-embeddings", nil, withEnv(ctr("acme/app:1"), "ANTHROPIC_BASE_URL")),
			pod("Deployment", "rag-embeddings", nil, ctr("acme/app:1")),
			policy.Agent, policy.Retrieval,
		},
		{
			"labels (KServe) over names (mcp agent interpreter)",
			withLabels(pod("Deployment", "mcp-agent", nil, ctr("acme/app:1")), kserve),
			pod("Deployment", "mcp-agent", nil, ctr("acme/app:1")),
			policy.Inference, policy.Agent,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{tt.alone}}); r.Type != tt.weak {
				t.Fatalf("the weaker evidence alone gives %s, want %s: the case proves nothing; evidence: %s", r.Type, tt.weak, strings.Join(audit.Texts(r.Evidence), "; "))
			}
			r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{tt.stronger}})
			if r.Type != tt.want {
				t.Fatalf("got %s, want %s; evidence: %s", r.Type, tt.want, strings.Join(audit.Texts(r.Evidence), "; "))
			}
			if r.Evidence[0].Tier > r.Evidence[len(r.Evidence)-1].Tier && !r.Evidence[len(r.Evidence)-1].Against && r.Evidence[len(r.Evidence)-1].Tier != audit.TierNone {
				t.Errorf("evidence not strongest tier first: %+v", r.Evidence)
			}
		})
	}
}

// A known non-LLM image makes the pod none whatever its names, labels
// and wiring say, unless what runs is itself LLM evidence.
func TestKnownNonLLMImagesWinOverNames(t *testing.T) {
	llmish := func(image, name string) audit.Workload {
		w := pod("StatefulSet", name, map[string]string{"app.kubernetes.io/name": name, "app.kubernetes.io/component": "vector-store"},
			withEnv(ctr(image), "OPENAI_API_KEY", "EMBEDDING_MODEL", "LLM_MODEL"))
		w.Templates[0].Spec.Containers[0].Name = "rag-embeddings"
		return w
	}
	for _, tt := range []struct {
		image, name string
		want        policy.WorkloadType
	}{
		{"postgres:16", "rag-vector-store", policy.None},
		{"bitnami/postgresql:16.4.0", "langfuse-postgres", policy.None},
		{"docker.io/library/redis:7.4", "embedding-cache", policy.None},
		{"mongo:8", "agent-memory", policy.None},
		{"quay.io/coreos/etcd:v3.5.17", "llm-config", policy.None},
		{"apache/kafka:3.9.0", "agent-events", policy.None},
		{"rabbitmq:4-management", "rag-ingest-queue", policy.None},
		{"minio/minio:RELEASE.2025-01-20T14-49-07Z", "model-weights", policy.None},
		{"docker.elastic.co/elasticsearch/elasticsearch:8.17.0", "rag-search", policy.None},
		{"opensearchproject/opensearch:2.18.0", "embeddings-index", policy.None},
		{"clickhouse/clickhouse-server:24.8", "langfuse-clickhouse", policy.None},
		{"nginx:1.27", "vllm-gateway", policy.None},
		// What runs is LLM evidence itself: the datastore image gives way.
		{"redis/redis-stack:7.4.0-v1", "cache", policy.Retrieval},
		{"pgvector/pgvector:pg16", "db", policy.Retrieval},
		{"ghcr.io/cloudnative-pg/postgresql:16-pgvector", "db", policy.Retrieval},
	} {
		t.Run(tt.image, func(t *testing.T) {
			r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{llmish(tt.image, tt.name)}})
			if r.Type != tt.want {
				t.Fatalf("got %s (%.2f), want %s; evidence: %s", r.Type, r.Confidence, tt.want, strings.Join(audit.Texts(r.Evidence), "; "))
			}
			if tt.want == policy.None && (!r.Evidence[0].Against || r.Evidence[0].Tier != audit.TierRuns) {
				t.Errorf("the decisive evidence should be the image, against: %+v", r.Evidence[0])
			}
		})
	}
	// The same names on an unknown image do make an LLM workload: the
	// table above is decided by the image, not by chance.
	if r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{llmish("acme/app:1", "rag-vector-store")}}); r.Type == policy.None {
		t.Fatalf("unknown image with LLM wiring should be an LLM workload; evidence: %s", strings.Join(audit.Texts(r.Evidence), "; "))
	}
}

// What runs speaking against a type (a training job) cannot be undone by
// weaker tiers.
func TestTrainingKindVetoesWeakerTiers(t *testing.T) {
	w := withLabels(pod("PyTorchJob", "vllm-serving-agent", nil, withEnv(ctr("acme/llm:1"), "VLLM_HOST", "OPENAI_API_KEY", "QDRANT_URL")), map[string]string{"serving.kserve.io/inferenceservice": "x"})
	r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{w}})
	if r.Type != policy.None {
		t.Fatalf("got %s; evidence: %s", r.Type, strings.Join(audit.Texts(r.Evidence), "; "))
	}
}

// Agents and the code they run are different pods.
func TestAgentOrTheCodeItRuns(t *testing.T) {
	sock := withEnv(ctr("acme/orchestrator:1"), "OPENAI_API_KEY")
	sock.VolumeMounts = []corev1.VolumeMount{{Name: "sock", MountPath: "/var/run/docker.sock"}}
	starter := pod("Deployment", "sessions", nil, sock)
	starter.Templates[0].Spec.Volumes = []corev1.Volume{{Name: "sock", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/run/docker.sock"}}}}
	for _, tt := range []struct {
		name  string
		w     audit.Workload
		want  policy.WorkloadType
		proof string
	}{
		{"an agent-sandbox pod with nothing else runs code: the riskier", sandboxed(pod("Pod", "s", nil, ctr("busybox:1.37", "sleep", "3600"))), policy.CodeExec, "the riskier type is taken"},
		{"an agent-sandbox pod whose wiring calls an LLM is the agent", sandboxed(pod("Pod", "s", nil, withEnv(ctr("python:3.12-slim"), "LLM_API_BASE"))), policy.Agent, "weaker evidence decides"},
		{"an agent-sandbox pod whose image is a code runtime runs code", sandboxed(pod("Pod", "s", nil, withEnv(ctr("acme/sandbox-runtime:1"), "LLM_API_BASE"))), policy.CodeExec, "executes untrusted code"},
		{"an agent framework image in a sandbox is the agent", sandboxed(pod("Pod", "s", nil, ctr("nousresearch/hermes-agent:v1"))), policy.Agent, "hermes-agent"},
		{"a pod that starts sandboxes through the runtime socket is the agent", starter, policy.Agent, "the agent, not the code it runs"},
		{"a worker executing an agent's tool calls runs the code", sandboxed(pod("Pod", "s", nil, withEnv(ctr("claude-agent-worker"), "ANTHROPIC_API_KEY"))), policy.CodeExec, "the code, not the agent"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{tt.w}})
			all := strings.Join(audit.Texts(r.Evidence), "; ")
			if r.Type != tt.want || !strings.Contains(all, tt.proof) {
				t.Fatalf("got %s, want %s with %q; evidence: %s", r.Type, tt.want, tt.proof, all)
			}
		})
	}
}

// Weaker tiers raise confidence; names alone cap it and mark it uncertain.
func TestConfidenceByTier(t *testing.T) {
	conf := func(w audit.Workload) audit.Result {
		return classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{w}})
	}
	alone := conf(pod("Deployment", "x", nil, ctr("vllm/vllm-openai:v0.9.2")))
	backed := conf(withLabels(pod("Deployment", "llm", nil, withEnv(ctr("vllm/vllm-openai:v0.9.2"), "HF_TOKEN", "VLLM_USE_V1")), map[string]string{"llm-d.ai/model": "qwen"}))
	if alone.Type != policy.Inference || backed.Type != policy.Inference || backed.Confidence <= alone.Confidence || alone.Uncertain || backed.Uncertain {
		t.Errorf("alone %s %.2f, backed by weaker tiers %s %.2f", alone.Type, alone.Confidence, backed.Type, backed.Confidence)
	}
	byName := conf(pod("Deployment", "github-mcp-agent", nil, ctr("acme/app:1")))
	if byName.Type != policy.Agent || !byName.Uncertain || byName.Confidence > 0.5 {
		t.Errorf("names only: %s %.2f uncertain=%v", byName.Type, byName.Confidence, byName.Uncertain)
	}
	for _, e := range byName.Evidence {
		if e.Tier != audit.TierNames && e.Tier != audit.TierNone {
			t.Errorf("names-only result has %s evidence: %+v", e.Tier, e)
		}
	}
	byLabel := conf(withLabels(pod("Deployment", "github-mcp-agent", nil, ctr("acme/app:1")), map[string]string{"app.kubernetes.io/name": "mcp-server"}))
	if byLabel.Type != policy.Agent || byLabel.Uncertain {
		t.Errorf("a label is more than a name: %s uncertain=%v", byLabel.Type, byLabel.Uncertain)
	}
}

// A word counts at the strongest place it is found: a known product's
// name in the image is what runs; in the object's name it is a name.
func TestWordTierByPlace(t *testing.T) {
	for _, tt := range []struct {
		name string
		w    audit.Workload
		tier audit.Tier
	}{
		{"product in the image", pod("Deployment", "x", nil, ctr("ghcr.io/all-hands-ai/openhands:0.40")), audit.TierRuns},
		{"product in a label", withLabels(pod("Deployment", "x", nil, ctr("acme/app:1")), map[string]string{"app.kubernetes.io/name": "openhands"}), audit.TierLabels},
		{"product in the name", pod("Deployment", "openhands", nil, ctr("acme/app:1")), audit.TierNames},
		{"generic word in the image", pod("Deployment", "x", nil, withEnv(ctr("acme/support-agent:1"), "OPENAI_API_KEY")), audit.TierWiring},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{tt.w}})
			if r.Type != policy.Agent || r.Evidence[0].Tier != tt.tier {
				t.Fatalf("got %s, first evidence %+v; want agent at %s", r.Type, r.Evidence[0], tt.tier)
			}
		})
	}
}

// Found in review: each case once went wrong.
func TestTierEdgeCases(t *testing.T) {
	gpu := func(c corev1.Container) corev1.Container {
		c.Resources.Limits = corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")}
		return c
	}
	xgb := func() audit.Workload {
		w := withLabels(pod("InferenceService", "fraud", nil, gpu(ctr("kserve/xgbserver:v0.15.0"))), map[string]string{"serving.kserve.io/inferenceservice": "fraud"})
		w.APIVersion = "serving.kserve.io/v1beta1"
		w.Extra.ModelFormats = []string{"xgboost"}
		return w
	}()
	initPriv := corev1.Container{Name: "sysctl", Image: "busybox:1.37", SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}
	agentWithPrivInit := pod("Deployment", "x", nil, withEnv(ctr("acme/app:1"), "OPENAI_BASE_URL", "LANGCHAIN_API_KEY"))
	agentWithPrivInit.Templates[0].Spec.InitContainers = []corev1.Container{initPriv}
	for _, tt := range []struct {
		name string
		w    audit.Workload
		want policy.WorkloadType
		not  string // text no evidence may hold
	}{
		{"names voting against never push confidence below zero", pod("Deployment", "trainer", nil, ctr("vllm/vllm-openai:v0.9.2")), policy.Inference, ""},
		{"a classical model format rules out inference even under its serving kind", xgb, policy.None, ""},
		{"names cannot pull away from what runs points at", pod("Deployment", "rag-api", nil, ctr("acme/app:1", "--model", "meta-llama/Llama-3.1-8B")), policy.None, ""},
		{"GPUs are evidence for serving only", pod("Deployment", "x", nil, gpu(withEnv(ctr("acme/app:1"), "OPENAI_BASE_URL", "LANGCHAIN_API_KEY"))), policy.Agent, "requests GPUs"},
		{"a privileged init container runs no agent's code", agentWithPrivInit, policy.Agent, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{tt.w}})
			ev := strings.Join(audit.Texts(r.Evidence), "; ")
			if r.Type != tt.want || r.Confidence <= 0 || r.Confidence > 1 || (tt.not != "" && strings.Contains(ev, tt.not)) {
				t.Fatalf("got %s (%.2f), want %s without %q; evidence: %s", r.Type, r.Confidence, tt.want, tt.not, ev)
			}
		})
	}
}
