package audit

import (
	"strings"

	"github.com/tiergate/tiergate/engines"
	"github.com/tiergate/tiergate/policy"
)

// signal is one piece of evidence for (or, with a negative weight,
// against) workload types. Each signal is one family of facts (an engine
// seen in its image or its command): its matcher stops at the strongest,
// so that one fact is never counted twice, and says at which tier it
// counts (docs/classification.md).
type signal struct {
	name   string
	votes  []policy.WorkloadType
	weight float64
	match  tiered
	// yields: evidence against that gives way to decisive evidence of
	// what runs (a redis image that is redis-stack, a vector store).
	yields bool
	// veto: found among what runs, this evidence against puts the types
	// it votes against out of the race, unless what runs also reaches the
	// threshold for them; weaker tiers cannot bring them back. Other
	// evidence against (a Job runs to completion) only weighs.
	veto bool
}

var (
	inference = []policy.WorkloadType{policy.Inference}
	retrieval = []policy.WorkloadType{policy.Retrieval}
	agent     = []policy.WorkloadType{policy.Agent}
	codeExec  = []policy.WorkloadType{policy.CodeExec}
	sandboxed = []policy.WorkloadType{policy.Agent, policy.CodeExec}
	serving   = []policy.WorkloadType{policy.Inference, policy.Retrieval}
	allLLM    = []policy.WorkloadType{policy.Inference, policy.Retrieval, policy.Agent, policy.CodeExec}
)

// Facts from ../shared/reference/SIGNALS.md and the upstream projects.
var (
	// llmClientEnvNames and llmClientEnvPrefixes are env names of hosted
	// LLM API clients.
	llmClientEnvNames    = []string{"LLM_MODEL", "LLM_API_KEY", "LLM_BASE_URL", "LLM_API_BASE", "LLM_ENDPOINT", "LLM_PROVIDER", "MISTRAL_API_KEY", "COHERE_API_KEY", "GROQ_API_KEY", "TOGETHER_API_KEY", "OPENROUTER_API_KEY", "DEEPSEEK_API_KEY", "XAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_API_KEY"}
	llmClientEnvPrefixes = []string{"OPENAI_", "AZURE_OPENAI_", "ANTHROPIC_", "GEMINI_", "VERTEX_AI_", "LITELLM_", "BEDROCK_", "LLM_"}
	// engineEnvPrefixes are model servers' settings, or, with a client
	// word (isEngineClientEnv: URL, ENDPOINT, API_BASE), where a client
	// finds one.
	engineEnvPrefixes = []string{"VLLM_", "SGLANG_", "OLLAMA_", "NIM_", "TRITON_", "LLAMA_ARG_", "TRTLLM_", "TGI_"}
	// infraAgentImages are monitoring, mesh and CI agents: "agent" in
	// their names means nothing about LLMs.
	infraAgentImages = []string{"datadog", "jaeger", "fluent-bit", "fluentbit", "fluentd", "opentelemetry", "otel-collector", "otel/", "otel-agent", "elastic-agent", "elastic/agent", "filebeat", "metricbeat", "istio/proxy", "proxyv2", "linkerd", "newrelic", "dynatrace", "grafana/agent", "grafana/alloy", "splunk", "sumologic", "falco", "consul", "vault", "gitlab-runner", "buildkite", "jenkins", "teamcity", "cloudwatch-agent", "aws-xray", "node-exporter", "promtail", "timberio/vector", "crowdstrike", "sysdig", "twistlock", "wazuh", "ossec"}
	// serviceImages are datastores, brokers, web servers, observability
	// backends and platform controllers, matched at the start of an image's last path element: a
	// pod that runs only these is no LLM workload, whatever it is called,
	// unless what runs says otherwise (redis-stack, a pgvector build).
	serviceImages = []string{"postgres", "postgis", "timescaledb", "mysql", "mariadb", "percona", "redis", "valkey", "keydb", "memcached", "mongo", "etcd", "kafka", "cp-kafka", "zookeeper", "rabbitmq", "nats", "pulsar", "minio", "elasticsearch", "opensearch", "kibana", "logstash", "cassandra", "scylla", "clickhouse", "cockroach", "influxdb", "couchdb", "couchbase", "neo4j", "prometheus", "alertmanager", "thanos", "grafana", "loki", "tempo", "mimir", "nginx", "httpd", "haproxy", "envoy", "traefik", "caddy", "ingress-nginx", "kube-state-metrics", "coredns", "cert-manager", "keycloak", "sonarqube", "harbor", "registry", "agent-sandbox-controller", "kserve-controller", "lws-controller", "kuberay-operator", "kagent-controller"}
	// gpuOperatorImages run GPU infrastructure, not workloads.
	gpuOperatorImages = []string{"nvcr.io/nvidia/k8s/", "k8s-device-plugin", "dcgm-exporter", "gpu-feature-discovery", "gpu-operator", "nvidia/driver", "container-toolkit", "k8s-driver-manager", "node-feature-discovery", "mig-manager", "intel-gpu-plugin", "neuron-device-plugin", "amd-gpu-device-plugin"}
)

// engineImages and engineCommands are the serving engines' table
// (package engines) as needles, in its order.
func engineImages() []needles {
	var out []needles
	for _, e := range engines.All() {
		out = append(out, n(e.Name, e.Images...))
	}
	return out
}

func engineCommands() []needles {
	var out []needles
	for _, e := range engines.All() {
		if len(e.Commands) > 0 {
			out = append(out, n(e.Name, e.Commands...))
		}
	}
	return out
}

// builtinSignals is the classifier's knowledge, as data. d collects the
// words the word signals look for and the memo slots of the tables. Each alternative says its tier: what
// runs (TierRuns), how it is wired (TierWiring), labels (TierLabels),
// names (TierNames).
func builtinSignals(d *signalBuilder) []signal {
	runs := func(ms ...matcher) tiered { return atAny(TierRuns, ms...) }
	wired := func(ms ...matcher) tiered { return atAny(TierWiring, ms...) }
	labelled := func(ms ...matcher) tiered { return atAny(TierLabels, ms...) }
	return []signal{
		// ---- inference ----
		{name: "engine", votes: inference, weight: 4, match: runs(
			d.imagesLike(engineImages()...),
			d.commandsLike(engineCommands()...),
			serveConfigHas("Ray Serve LLM", "ray.serve.llm", "vllm"),
		)},
		{name: "engine-env", votes: inference, weight: 2, match: wired(
			envWhere(isEngineServerEnv, "model server setting", []string{"NUM_SHARD", "MAX_TOTAL_TOKENS", "MAX_INPUT_LENGTH", "MAX_INPUT_TOKENS", "MAX_BATCH_PREFILL_TOKENS", "MAX_BATCH_TOTAL_TOKENS", "NGC_API_KEY"},
				engineEnvPrefixes),
		)},
		{name: "model-source", votes: inference, weight: 1, match: wired(
			envNamed("uses Hugging Face models", []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HOME", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE", "MODEL_ID"}, []string{"HF_HUB_"}),
		)},
		{name: "model-uri", votes: inference, weight: 2, match: runs(storageURIHas("hf://"))},
		{name: "model-args", votes: inference, weight: 1.5, match: runs(argsNameModel())},
		{name: "serving-label", votes: inference, weight: 3, match: labelled(
			labelHas("KServe", "serving.kserve.io/inferenceservice", ""),
			labelHas("llm-d", "llm-d.ai/inferenceServing", "true"),
			labelHas("llm-d", "llm-d.ai/model", ""),
			labelHas("GKE AI inference", "ai.gke.io/inference-server", ""),
			labelHas("GKE AI model", "ai.gke.io/model", ""),
			labelHas("KubeAI", "app.kubernetes.io/managed-by", "kubeai"),
		)},
		{name: "serving-kind", votes: inference, weight: 3, match: runs(kindIs("KServe model serving", "InferenceService"))},
		{name: "llm-kind", votes: inference, weight: 5, match: strongest(
			runs(
				kindIs("KServe LLM serving", "LLMInferenceService"),
				kindIs("NVIDIA NIM", "NIMService"),
				groupKind("KubeAI model", "kubeai.org", "Model"),
			),
			wired(inferencePoolSelects()),
		)},
		{name: "model-format", votes: inference, weight: 4, match: runs(modelFormatIs("an LLM model format", "huggingface", "vllm", "llm", "tgi", "huggingface-llm"))},
		{name: "classical-model", votes: inference, weight: -5, veto: true, match: runs(
			modelFormatIs("a classical ML format, not an LLM", "sklearn", "xgboost", "lightgbm", "pmml", "paddle", "mlflow", "catboost"),
			imageHas("classical ML server, not an LLM", "sklearnserver", "xgbserver", "lgbserver", "pmmlserver", "paddleserver"),
		)},
		{name: "multi-host", votes: inference, weight: 1.5, match: strongest(
			runs(
				kindIs("multi-host serving", "LeaderWorkerSet", "RayService"),
				kindIs("Ray cluster", "RayCluster"),
				imageHas("Ray", "rayproject/ray"),
			),
			wired(envNamed("LeaderWorkerSet group", []string{"LWS_LEADER_ADDRESS", "LWS_GROUP_SIZE"}, nil)),
			labelled(
				labelHas("multi-host serving", "leaderworkerset.sigs.k8s.io/name", ""),
				labelHas("Ray Serve", "ray.io/originated-from-crd", "RayService"),
			),
		)},
		{name: "engine-port", votes: inference, weight: 1, match: wired(portIs("Ollama", 11434), portIs("SGLang", 30000))},

		// ---- retrieval ----
		{name: "retrieval-engine", votes: retrieval, weight: 4.5, match: runs(d.imagesLike(
			n("Hugging Face text-embeddings-inference", "text-embeddings-inference"),
			n("Infinity embeddings", "michaelf34/infinity", "infinity-emb"),
			n("Qdrant", "qdrant/qdrant"),
			n("Milvus", "milvusdb/milvus", "zilliz"),
			n("Weaviate", "semitechnologies/weaviate"),
			n("Chroma", "chromadb/chroma"),
			n("pgvector", "pgvector", "pgvecto-rs"),
			n("Vespa", "vespaengine/vespa"),
			n("vector search", "marqo", "lancedb"),
			n("OPEA RAG component", "opea/retriever", "opea/embedding", "opea/reranking", "opea/dataprep"),
		))},
		{name: "retrieval-kind", votes: retrieval, weight: 4.5, match: runs(kindIs("ToolHive embedding server", "EmbeddingServer"))},
		{name: "vector-store", votes: retrieval, weight: 2.5, match: runs(imageHas("Redis Stack vector search", "redis-stack", "redisearch"))},
		{name: "vector-client", votes: retrieval, weight: 3, match: wired(
			envNamed("talks to a vector database", nil, []string{"QDRANT_", "MILVUS_", "WEAVIATE_", "CHROMA_", "PINECONE_", "PGVECTOR_", "LANCEDB_", "RETRIEVER_"}),
			envContains("talks to a vector store", "VECTOR_DB", "VECTORDB", "VECTOR_STORE", "VECTORSTORE", "EMBEDDING_ENDPOINT", "EMBEDDING_MODEL", "TEI_EMBEDDING"),
		)},
		{name: "retrieval-word", votes: retrieval, weight: 2.5, match: d.wordIn("", false, "rag", "retriever", "retrieval", "embed", "embedder", "embedding", "embeddings", "vector", "vectordb", "reranker", "rerank", "qdrant", "milvus", "weaviate", "chroma", "chromadb")},
		{name: "retrieval-port", votes: retrieval, weight: 1, match: wired(portIs("Qdrant", 6333, 6334), portIs("Milvus", 19530))},

		// ---- agents ----
		{name: "agent-kind", votes: agent, weight: 5, match: runs(
			kindIs("ToolHive MCP server", "MCPServer", "MCPRemoteProxy", "VirtualMCPServer"),
			groupKind("kagent agent", "kagent.dev", "Agent"),
			groupKind("AgentCube agent runtime", "runtime.agentcube.volcano.sh", "AgentRuntime"),
		)},
		{name: "agent-image", votes: agent, weight: 4, match: d.wordIn("agent framework", true, "hermes-agent", "openclaw", "langgraph", "openhands", "autogen", "crewai", "letta", "kagent", "smolagents", "browser-use", "agent-zero", "k8sgpt", "holmesgpt")},
		{name: "mcp", votes: agent, weight: 4, match: strongest(
			at(TierRuns, commandHas("Model Context Protocol server", "--mcp", "mcp-server", "mcp_server")),
			d.wordIn("Model Context Protocol server", true, "mcp"),
		)},
		{name: "agent-server", votes: agent, weight: 4, match: runs(
			d.imagesLike(n("Llama Stack", "llamastack/", "llama-stack", "ogx/distribution")),
			d.commandsLike(n("Llama Stack", "llama_stack", "stack run")),
		)},
		{name: "agent-framework", votes: agent, weight: 3, match: strongest(
			wired(envNamed("agent framework", nil, []string{"LANGGRAPH_", "LANGSMITH_", "LANGCHAIN_", "MCP_"})),
			d.wordIn("agent framework", true, "adk", "langchain"),
		)},
		// Where a model is (a base URL, an engine, a model name) says the
		// pod calls it; a key alone may serve billing or usage APIs, so it
		// needs company to make an agent.
		{name: "llm-client", votes: agent, weight: 2, match: wired(
			envWhere(isClientEnv, "calls an LLM API", llmClientEnvNames, llmClientEnvPrefixes),
			envWhere(isEngineClientEnv, "calls a model server", nil, engineEnvPrefixes),
			hostAliasHas("reaches an LLM host", "llm", "ollama", "vllm", "openai"),
		)},
		{name: "llm-key", votes: agent, weight: 1.5, match: wired(
			envWhere(isCredentialEnv, "holds an LLM API credential", llmClientEnvNames, llmClientEnvPrefixes),
		)},
		{name: "agent-tools", votes: agent, weight: 1.5, match: wired(
			envNamed("an agent's web search or browser tool", nil, []string{"TAVILY_", "SERPAPI_", "SERPER_", "BRAVE_SEARCH_", "EXA_API", "BROWSERLESS_", "FIRECRAWL_", "BROWSERBASE_"}),
		)},
		{name: "sandbox-orchestrator", votes: agent, weight: 2, match: wired(
			createsSandboxesByRBAC(),
			envNamed("creates sandboxes for agent sessions: the agent, not the code it runs", nil, []string{"SANDBOX_"}),
		)},
		{name: "runtime-socket", votes: agent, weight: 1, match: wired(runtimeSocket())},
		{name: "agent-word", votes: agent, weight: 1.5, match: d.wordIn("", false, "agent", "agents", "agentic", "assistant", "copilot")},

		// ---- code execution ----
		// An agent-sandbox object runs an agent or the code an agent runs:
		// what runs inside it (or, failing that, a weaker tier) says which;
		// with nothing else the riskier, code-exec, is taken.
		{name: "sandbox", votes: sandboxed, weight: 3, match: strongest(
			runs(
				groupKind("agent-sandbox", "agents.x-k8s.io", "Sandbox"),
				groupKind("agent-sandbox", "extensions.agents.x-k8s.io", "SandboxTemplate", "SandboxClaim", "SandboxWarmPool"),
				groupKind("OpenKruise agents", "agents.kruise.io", "Sandbox", "SandboxSet", "SandboxTemplate", "SandboxClaim"),
				kindIs("agent-sandbox", "Sandbox", "SandboxTemplate", "SandboxClaim", "SandboxWarmPool"),
				groupKind("OpenSandbox", "sandbox.opensandbox.io", "BatchSandbox", "Pool", "Sandbox"),
			),
			labelled(labelPrefix("agent-sandbox pod", "agents.x-k8s.io/")),
		)},
		{name: "code-runtime", votes: codeExec, weight: 3, match: strongest(
			at(TierRuns, anyOf(
				imageHas("OpenHands runtime: executes an agent's code", "all-hands-ai/runtime"),
				groupKind("AgentCube code interpreter: executes untrusted code", "runtime.agentcube.volcano.sh", "CodeInterpreter"),
			)),
			nameHas("code runtime: executes untrusted code", true, "code-interpreter", "code-exec", "code-runner", "coderunner", "codeexec", "python-runtime", "sandbox-runtime", "node-runtime", "judge0"),
			d.wordIn("code runtime: executes untrusted code", true, "piston", "e2b"),
			agentWorker(),
			labelled(labelHas("Jupyter kernel", "kernel_id", ""), labelHas("Jupyter kernel", "component", "kernel")),
			wired(envNamed("E2B code sandbox", []string{"E2B_API_KEY"}, nil), envNamed("Jupyter kernel", nil, []string{"KERNEL_"})),
			d.wordIn("code runner", false, "interpreter", "executor"),
		)},

		// ---- not LLM workloads ----
		{name: "not-llm-image", votes: allLLM, weight: -10, yields: true, veto: true, match: runs(onlyInfra())},
		{name: "training", votes: allLLM, weight: -5, veto: true, match: strongest(
			runs(
				kindIs("training job", "PyTorchJob", "TFJob", "MPIJob", "XGBoostJob", "PaddleJob", "JAXJob", "TrainJob", "TrainingRuntime", "ClusterTrainingRuntime"),
				commandHas("training", "torchrun", "accelerate launch", "deepspeed", "train.py", "fine_tune", "finetune", "fine-tune", "torch.distributed"),
			),
			d.wordIn("training", false, "finetune", "finetuning", "training", "trainer", "train"),
			nameHas("training", false, "fine-tun", "fine_tun"),
		)},
		{name: "runs-to-completion", votes: serving, weight: -3, match: at(TierRuns, when(func(f *features) bool { return f.runsToCompletion }, func(f *features) (ev, bool) {
			return mk("", "runs to completion (", orDefault(f.kind, "Pod"), "): not a serving workload"), true
		}))},
		{name: "model-download", votes: serving, weight: -3, match: at(TierRuns, when(func(f *features) bool { return f.runsToCompletion },
			commandHas("downloads a model", "ollama pull", "huggingface-cli download", "hf download", "snapshot_download", "git lfs pull", "download")))},
	}
}

// isClientEnv says an env name tells a client where a model is
// (OPENAI_BASE_URL, VLLM_URL, LLM_MODEL, OLLAMA_HOST).
func isClientEnv(name string) bool {
	for _, w := range []string{"URL", "BASE", "ENDPOINT", "HOST", "MODEL", "ENGINE", "DEPLOYMENT", "PROVIDER"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// isCredentialEnv says an env name holds only a credential or an account
// (ANTHROPIC_API_KEY, OPENAI_ORG_ID), not where a model is.
func isCredentialEnv(name string) bool { return !isClientEnv(name) }

// isEngineClientEnv says an engine-prefixed env name points a client at
// a server (VLLM_URL, OLLAMA_BASE_URL); the others configure the server
// itself (VLLM_USE_V1, OLLAMA_MODELS, OLLAMA_HOST, its bind address).
func isEngineClientEnv(name string) bool {
	for _, w := range []string{"URL", "ENDPOINT", "API_BASE"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

func isEngineServerEnv(name string) bool { return !isEngineClientEnv(name) }

// onlyInfra matches when every app container runs a known image that is
// no LLM workload: a sidecar (an OpenTelemetry collector next to vLLM)
// changes nothing.
func onlyInfra() matcher {
	return func(f *features) (ev, bool) {
		if f.appContainers == 0 || f.infraContainers < f.appContainers || f.infraImage == "" {
			return ev{}, false
		}
		return mk(f.infra.note(), "image ", f.infraImage), true
	}
}

// runtimeSocket matches a mounted container runtime socket: the pod
// starts containers on its node, sandboxes for the agent it is.
func runtimeSocket() matcher {
	return func(f *features) (ev, bool) {
		for _, p := range f.hostPaths {
			if isRuntimeSocket(p) && p != "/" {
				return mk("starts containers on the node, sandboxes for agent sessions: the agent, not the code it runs", "mounts ", p), true
			}
		}
		return ev{}, false
	}
}

// createsSandboxesByRBAC matches a pod whose ServiceAccount may create
// agent sandboxes or claims: it starts them for agent sessions.
func createsSandboxesByRBAC() matcher {
	return func(f *features) (ev, bool) {
		if f.sandboxGrant == "" {
			return ev{}, false
		}
		return mk("starts sandboxes for agent sessions: the agent, not the code it runs", f.sandboxGrant), true
	}
}

// agentWorker matches names like "claude-agent-worker": a worker that
// executes an agent's tool calls is a code runtime, not the agent.
func agentWorker() tiered {
	return func(f *features) (found, bool) {
		var best found
		ok := false
		for _, n := range f.names {
			t := nameTier(n.what, true)
			if ok && t >= best.tier {
				continue
			}
			if hasWord(n.value, "agent") && (hasWord(n.value, "worker") || hasWord(n.value, "runner") || hasWord(n.value, "executor")) {
				best, ok = found{mk("executes an agent's tool calls: the code, not the agent", n.what, " ", n.value), t}, true
			}
		}
		return best, ok
	}
}

// llmFamilies are model families whose names in args mark an LLM.
var llmFamilies = []string{"llama", "qwen", "mistral", "mixtral", "gemma", "deepseek", "falcon", "starcoder", "codellama", "gpt-oss", "granite", "phi-3", "phi-4", "olmo", "smollm", "tinyllama", "vicuna", "zephyr", "command-r"}

// argsNameModel matches args naming an LLM family at the start of a word
// ("Qwen/Qwen3-235B", "meta-llama/Llama-3.1-8B"; not "ollama").
func argsNameModel() matcher {
	return func(f *features) (ev, bool) {
		for _, c := range f.cmds {
			for _, m := range llmFamilies {
				if hasWordPrefix(c, m) {
					return mk("", `args name an LLM ("`, m, `")`), true
				}
			}
		}
		return ev{}, false
	}
}

func serveConfigHas(note string, needles ...string) matcher {
	return func(f *features) (ev, bool) {
		if f.extra == nil || f.extra.ServeConfig == "" {
			return ev{}, false
		}
		sc := strings.ToLower(f.extra.ServeConfig)
		for _, n := range needles {
			if strings.Contains(sc, n) {
				return mk(note, `serveConfig uses "`, n, `"`), true
			}
		}
		return ev{}, false
	}
}

func modelFormatIs(note string, formats ...string) matcher {
	return func(f *features) (ev, bool) {
		if f.extra == nil {
			return ev{}, false
		}
		for _, mf := range f.extra.ModelFormats {
			for _, want := range formats {
				if strings.EqualFold(mf, want) {
					return mk(note, "modelFormat ", mf), true
				}
			}
		}
		return ev{}, false
	}
}

func storageURIHas(prefix string) matcher {
	return func(f *features) (ev, bool) {
		if f.extra == nil {
			return ev{}, false
		}
		for _, u := range f.extra.StorageURIs {
			if strings.HasPrefix(u, prefix) {
				return mk("model from Hugging Face", "storageUri ", u), true
			}
		}
		return ev{}, false
	}
}

func inferencePoolSelects() matcher {
	return func(f *features) (ev, bool) {
		if f.poolMatch == "" {
			return ev{}, false
		}
		return mk("", "selected by InferencePool ", f.poolMatch), true
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
