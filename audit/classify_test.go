package audit_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/synth"
	"github.com/tiergate/tiergate/policy"
)

// pod builds a single-template workload from containers.
func pod(kind, name string, labels map[string]string, cs ...corev1.Container) audit.Workload {
	return audit.Workload{
		Kind: kind, Namespace: "ns", Name: name, Labels: labels,
		Templates: []audit.PodTemplate{{SpecPath: "spec.template.spec", Labels: labels, Spec: &corev1.PodSpec{Containers: cs}}},
	}
}

func ctr(image string, args ...string) corev1.Container {
	return corev1.Container{Name: "main", Image: image, Args: args}
}

func withEnv(c corev1.Container, names ...string) corev1.Container {
	for _, n := range names {
		c.Env = append(c.Env, corev1.EnvVar{Name: n, Value: "s3cr3t-value-" + n})
	}
	return c
}

func classifyOne(t *testing.T, pol *policy.Policy, inv *audit.Inventory) audit.Result {
	t.Helper()
	e, err := audit.NewEngine(pol)
	if err != nil {
		t.Fatal(err)
	}
	rep := e.Audit(inv, audit.Options{Now: time.Now()})
	if len(rep.Workloads) != 1 {
		t.Fatalf("got %d results", len(rep.Workloads))
	}
	return rep.Workloads[0]
}

func TestClassification(t *testing.T) {
	sidecar := ctr("otel/opentelemetry-collector-contrib:0.120.0")
	sidecar.Name = "otel"
	datadogAgent := ctr("datadog/agent:7.60.0", "agent", "run")
	datadogAgent.Name = "agent"
	priv := ctr("ghcr.io/acme/openhands-runtime-host:1")
	priv.SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	for _, tt := range []struct {
		name string
		w    audit.Workload
		want policy.WorkloadType
	}{
		{"vLLM by image", pod("Deployment", "llm", nil, ctr("vllm/vllm-openai:v0.9.2", "--model", "Qwen/Qwen3-8B")), policy.Inference},
		{"vLLM with an OpenTelemetry sidecar", pod("Deployment", "llm", nil, ctr("vllm/vllm-openai:v0.9.2"), sidecar), policy.Inference},
		{"vLLM from a plain image by command", pod("Deployment", "decode", nil, corev1.Container{Name: "app", Image: "ubuntu:24.04", Command: []string{"python3", "-m", "vllm.entrypoints.openai.api_server"}}), policy.Inference},
		{"TEI embeddings is retrieval, not inference", pod("Deployment", "tei", nil, ctr("ghcr.io/huggingface/text-embeddings-inference:cpu-1.7")), policy.Retrieval},
		{"qdrant", pod("StatefulSet", "qdrant", nil, ctr("qdrant/qdrant:v1.14.1")), policy.Retrieval},
		{"RAG app with a vector DB and an LLM key", pod("Deployment", "support-bot", nil, withEnv(ctr("acme/bot:1"), "QDRANT_URL", "OPENAI_API_KEY")), policy.Retrieval},
		{"agent by LLM key and agent name", pod("Deployment", "triage-agent", nil, withEnv(ctr("acme/triage:3"), "ANTHROPIC_API_KEY")), policy.Agent},
		{"MCP server image", pod("Deployment", "fetch", nil, ctr("docker.io/mcp/fetch:latest")), policy.Agent},
		{"LangGraph server env", pod("Deployment", "graph", nil, withEnv(ctr("acme/graph:1"), "LANGGRAPH_CLOUD_LICENSE_KEY", "REDIS_URI")), policy.Agent},
		{"code interpreter", pod("Deployment", "runner", nil, ctr("ghcr.io/acme/code-interpreter:1.2")), policy.CodeExec},
		{"agent with privileged container is a code-exec host", pod("StatefulSet", "openhands", nil, withEnv(priv, "LLM_API_KEY")), policy.CodeExec},
		{"Jupyter kernel labels", pod("Pod", "kernel-abc", map[string]string{"kernel_id": "abc", "component": "kernel"}, ctr("jupyter/base-notebook")), policy.CodeExec},
		{"web app named model-registry-ui", pod("Deployment", "model-registry-ui", nil, ctr("nginxinc/nginx-unprivileged:1.27")), policy.None},
		{"web app named travel-agent-web", pod("Deployment", "travel-agent-web", nil, ctr("acme/travel-agent-web:2")), policy.None},
		{"datadog agent", pod("DaemonSet", "datadog", nil, datadogAgent), policy.None},
		{"jaeger agent", pod("DaemonSet", "jaeger-agent", nil, ctr("jaegertracing/jaeger-agent:1.57")), policy.None},
		{"GPU operator device plugin", pod("DaemonSet", "nvidia-device-plugin", nil, ctr("nvcr.io/nvidia/k8s-device-plugin:v0.17.0")), policy.None},
		{"training job", pod("Job", "sft", nil, corev1.Container{Name: "t", Image: "acme/llm:1", Command: []string{"torchrun", "train.py"}, Env: []corev1.EnvVar{{Name: "HF_TOKEN"}}}), policy.None},
		{"model download job", pod("Job", "pull", nil, corev1.Container{Name: "o", Image: "ollama/ollama:0.9", Command: []string{"sh", "-c", "ollama serve & ollama pull qwen:0.5b"}}), policy.None},
		{"KServe sklearn predictor pod", pod("Pod", "iris-predictor", map[string]string{"serving.kserve.io/inferenceservice": "iris"}, ctr("kserve/sklearnserver:v0.15.0")), policy.None},
		{"plain nginx", pod("Deployment", "web", nil, ctr("nginx:1.27")), policy.None},
		{"an LLM API key alone is no agent (a usage poller)", pod("Deployment", "stats-adapter", nil, withEnv(ctr("acme/stats:1"), "ANTHROPIC_API_KEY", "ANTHROPIC_ENVIRONMENT_ID")), policy.None},
		{"a key and where the model is make an LLM client", pod("Deployment", "stats-adapter", nil, withEnv(ctr("acme/stats:1"), "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")), policy.Agent},
		{"a client of a vLLM server is no vLLM server", pod("Deployment", "ui", nil, withEnv(ctr("acme/chat-ui:1"), "VLLM_URL")), policy.Agent},
		{"a model server's own settings", pod("Deployment", "x", nil, withEnv(ctr("acme/llm:1"), "OLLAMA_MODELS", "OLLAMA_KEEP_ALIVE"), withEnv(ctr("acme/llm:1"), "HF_TOKEN")), policy.Inference},
		{"Llama Stack serves agents, whatever model it names", pod("Deployment", "stack", nil, withEnv(corev1.Container{Name: "s", Image: "acme/stack:1", Command: []string{"llama", "stack", "run", "/etc/config.yaml"}}, "VLLM_URL", "INFERENCE_MODEL")), policy.Agent},
		{"an MCP server by its arguments", pod("Deployment", "diag", nil, ctr("ghcr.io/acme/diag:0.4", "serve", "--mcp", "--mcp-port", "8089")), policy.Agent},
		{"an OpenSandbox batch on a web server image runs code", func() audit.Workload {
			w := pod("BatchSandbox", "batch", nil, ctr("httpd:2.4", "python", "-m", "http.server"))
			w.APIVersion = "sandbox.opensandbox.io/v1alpha1"
			return w
		}(), policy.CodeExec},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{tt.w}})
			if r.Type != tt.want {
				t.Fatalf("got %s (%.2f), want %s; evidence: %s", r.Type, r.Confidence, tt.want, strings.Join(audit.Texts(r.Evidence), "; "))
			}
			if len(r.Evidence) == 0 {
				t.Error("a classification must come with evidence")
			}
			if r.Confidence <= 0 || r.Confidence > 1 {
				t.Errorf("confidence %v out of (0,1]", r.Confidence)
			}
		})
	}
}

func TestClassificationByOwnerLabelAndPool(t *testing.T) {
	owned := pod("Pod", "sb-x7k2p", nil, ctr("python:3.12-slim", "sleep", "infinity"))
	owned.Owner = &audit.Owner{Kind: "Sandbox", Name: "sb"}
	labelled := pod("Pod", "worker-5d8f", map[string]string{"agents.x-k8s.io/sandbox-name-hash": "a1b2"}, ctr("busybox"))
	pooled := pod("Pod", "serve-0", map[string]string{"app": "qwen"}, ctr("registry.internal/serve:7"))
	for _, tt := range []struct {
		name  string
		inv   audit.Inventory
		want  policy.WorkloadType
		proof string
	}{
		{"pod owned by a Sandbox", audit.Inventory{Workloads: []audit.Workload{owned}}, policy.CodeExec, "owner Sandbox/sb"},
		{"pod with the agent-sandbox label", audit.Inventory{Workloads: []audit.Workload{labelled}}, policy.CodeExec, "label agents.x-k8s.io/sandbox-name-hash"},
		{"pod selected by an InferencePool", audit.Inventory{Workloads: []audit.Workload{pooled}, InferencePools: []audit.InferencePool{{Namespace: "ns", Name: "qwen-pool", Selector: map[string]string{"app": "qwen"}}}}, policy.Inference, "InferencePool ns/qwen-pool"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := classifyOne(t, policy.Default(), &tt.inv)
			if r.Type != tt.want || !strings.Contains(strings.Join(audit.Texts(r.Evidence), "\n"), tt.proof) {
				t.Fatalf("got %s with %q, want %s with evidence containing %q", r.Type, audit.Texts(r.Evidence), tt.want, tt.proof)
			}
		})
	}
}

func TestUserClassificationWins(t *testing.T) {
	p := policy.Default()
	p.Classification = []policy.ClassificationRule{{Name: "internal-llm-gateway", Type: policy.Inference, Image: `^nginx`, Selector: "role=llm-gateway"}}
	w := pod("Deployment", "gw", map[string]string{"role": "llm-gateway"}, ctr("nginx:1.27"))
	r := classifyOne(t, p, &audit.Inventory{Workloads: []audit.Workload{w}})
	if r.Type != policy.Inference || r.Confidence != 1 || !strings.Contains(r.Evidence[0].Text, "internal-llm-gateway") {
		t.Fatalf("got %s %.2f %q", r.Type, r.Confidence, audit.Texts(r.Evidence))
	}
}

// TestEvidenceNeverShowsEnvValues: env values can be secrets; only names
// may appear anywhere in a result.
func TestEvidenceNeverShowsEnvValues(t *testing.T) {
	w := pod("Deployment", "agent", nil, withEnv(ctr("acme/agent:1", "--api-key=sk-live-abcdef"), "OPENAI_API_KEY", "LLM_BASE_URL", "QDRANT_API_KEY"))
	r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{w}})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cr3t-value", "sk-live-abcdef"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("result contains %q: %s", secret, b)
		}
	}
	if !strings.Contains(string(b), "OPENAI_API_KEY (value hidden)") {
		t.Errorf("evidence should name the env var: %s", audit.Texts(r.Evidence))
	}
}

// TestEvidenceCountsAFactOnce: an agent framework's word in the image is
// one fact, said once and scored once (it once voted twice, through the
// agent-image and agent-framework signals, and its line came twice).
func TestEvidenceCountsAFactOnce(t *testing.T) {
	for _, image := range []string{"registry.example.com/agents/langgraph-agent:0.3", "ghcr.io/acme/crewai-worker:1", "ghcr.io/acme/autogen-studio:2", "ghcr.io/acme/langchain-app:1"} {
		r := classifyOne(t, policy.Default(), &audit.Inventory{Workloads: []audit.Workload{pod("Deployment", "w", nil, ctr(image))}})
		seen := map[string]bool{}
		for _, e := range r.Evidence {
			if seen[e.Text] {
				t.Errorf("%s: evidence %q twice: %s", image, e.Text, audit.Texts(r.Evidence))
			}
			seen[e.Text] = true
		}
		if r.Type != policy.Agent {
			t.Errorf("%s: %s, want agent", image, r.Type)
		}
	}
}

// TestReplicasShareClassification: pods of one template revision are
// classified once; another revision is classified again.
func TestReplicasShareClassification(t *testing.T) {
	mk := func(name, hash, image string) audit.Workload {
		w := pod("Pod", name, map[string]string{"pod-template-hash": hash}, ctr(image))
		w.Owner = &audit.Owner{Kind: "ReplicaSet", Name: "llm-" + hash}
		return w
	}
	inv := &audit.Inventory{Workloads: []audit.Workload{
		mk("llm-abc-1", "abc", "vllm/vllm-openai:v0.9.2"),
		mk("llm-abc-2", "abc", "vllm/vllm-openai:v0.9.2"),
		mk("llm-def-1", "def", "nginx:1.27"),
	}}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	rep := e.Audit(inv, audit.Options{Now: time.Now()})
	got := map[string]policy.WorkloadType{}
	for _, r := range rep.Workloads {
		got[r.Name] = r.Type
	}
	if got["llm-abc-1"] != policy.Inference || got["llm-abc-2"] != policy.Inference || got["llm-def-1"] != policy.None {
		t.Fatalf("got %v", got)
	}
	// Results share the evidence slice; appending to one must not show
	// in the other.
	a, b := &rep.Workloads[0], &rep.Workloads[1]
	a.Evidence = append(a.Evidence, audit.Evidence{Text: "extra"})
	if len(b.Evidence) == len(a.Evidence) {
		t.Fatal("appending to one replica's evidence changed another's")
	}
}

// TestStreamMatchesAudit: streaming gives the same results, in the same
// order, and the same summary.
func TestStreamMatchesAudit(t *testing.T) {
	inv := synth.Cluster(300, false)
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	want := e.Audit(inv, audit.Options{Now: now})
	var got []string
	rep, err := e.Stream(inv, audit.Options{Now: now}, func(r *audit.Result) error {
		b, _ := json.Marshal(r)
		got = append(got, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want.Workloads) {
		t.Fatalf("%d streamed, %d audited", len(got), len(want.Workloads))
	}
	for i := range got {
		if b, _ := json.Marshal(want.Workloads[i]); string(b) != got[i] {
			t.Fatalf("result %d differs", i)
		}
	}
	if a, b := mustJSON(rep.Summary), mustJSON(want.Summary); a != b {
		t.Errorf("summary: %s vs %s", a, b)
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestExemptionNamesTheDeployment: an exemption naming a Deployment
// covers the pods of its ReplicaSets.
func TestExemptionNamesTheDeployment(t *testing.T) {
	p := policy.Default()
	p.Exemptions = []policy.Exemption{{Namespace: "llm", Name: "vllm", Rule: audit.RuleNoEgressPolicy, Reason: "egress proxy enforces it"}}
	w := pod("Pod", "vllm-7d9f-x2k4p", nil, ctr("vllm/vllm-openai:v0.9.2"))
	w.Namespace = "llm"
	w.Owner = &audit.Owner{Kind: "ReplicaSet", Name: "vllm-7d9f"}
	w.Owners = []audit.Owner{*w.Owner, {Kind: "Deployment", Name: "vllm"}}
	r := classifyOne(t, p, &audit.Inventory{Workloads: []audit.Workload{w}})
	for _, f := range r.Findings {
		if f.Rule == audit.RuleNoEgressPolicy {
			t.Fatalf("not exempted: %s", f.Message)
		}
	}
	if len(r.Exempted) != 1 || r.Exempted[0].Reason != "egress proxy enforces it" {
		t.Fatalf("exempted: %+v", r.Exempted)
	}
}

func TestWithDeployment(t *testing.T) {
	chain := []audit.Owner{{Kind: "ReplicaSet", Name: "vllm-7d9f8c6b5"}}
	got := audit.WithDeployment(chain, map[string]string{"pod-template-hash": "7d9f8c6b5"})
	if len(got) != 2 || got[1] != (audit.Owner{APIVersion: "apps/v1", Kind: "Deployment", Name: "vllm"}) {
		t.Errorf("got %+v", got)
	}
	if got := audit.WithDeployment(chain, map[string]string{"pod-template-hash": "other"}); len(got) != 1 {
		t.Errorf("a ReplicaSet not named after the hash has no inferred Deployment: %+v", got)
	}
	other := []audit.Owner{{APIVersion: "example.com/v1", Kind: "ReplicaSet", Name: "vllm-7d9f8c6b5"}}
	if got := audit.WithDeployment(other, map[string]string{"pod-template-hash": "7d9f8c6b5"}); len(got) != 1 {
		t.Errorf("a ReplicaSet of another group is no Deployment's: %+v", got)
	}
	full := []audit.Owner{{Kind: "ReplicaSet", Name: "vllm-7d9f8c6b5"}, {Kind: "Deployment", Name: "vllm"}}
	if got := audit.WithDeployment(full, map[string]string{"pod-template-hash": "7d9f8c6b5"}); len(got) != 2 {
		t.Errorf("a resolved chain stays as it is: %+v", got)
	}
}
