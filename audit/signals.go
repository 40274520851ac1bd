package audit

import (
	"strings"

	"github.com/tiergate/tiergate/policy"
)

// signal is one piece of evidence for (or, with a negative weight,
// against) workload types. Each signal is one family of facts (an engine
// seen in its image or its command): its matcher stops at the first, so
// that one fact is never counted twice.
type signal struct {
	name   string
	votes  []policy.WorkloadType
	weight float64
	match  matcher
}

var (
	inference = []policy.WorkloadType{policy.Inference}
	retrieval = []policy.WorkloadType{policy.Retrieval}
	agent     = []policy.WorkloadType{policy.Agent}
	codeExec  = []policy.WorkloadType{policy.CodeExec}
	serving   = []policy.WorkloadType{policy.Inference, policy.Retrieval}
	allLLM    = []policy.WorkloadType{policy.Inference, policy.Retrieval, policy.Agent, policy.CodeExec}
)

// Facts from ../shared/reference/SIGNALS.md and the upstream projects.
var (
	// llmClientEnv are env names of hosted LLM API clients.
	llmClientEnvNames    = []string{"LLM_MODEL", "LLM_API_KEY", "LLM_BASE_URL", "LLM_API_BASE", "LLM_ENDPOINT", "LLM_PROVIDER", "MISTRAL_API_KEY", "COHERE_API_KEY", "GROQ_API_KEY", "TOGETHER_API_KEY", "OPENROUTER_API_KEY", "DEEPSEEK_API_KEY", "XAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_API_KEY"}
	llmClientEnvPrefixes = []string{"OPENAI_", "AZURE_OPENAI_", "ANTHROPIC_", "GEMINI_", "VERTEX_AI_", "LITELLM_", "BEDROCK_", "LLM_"}
	// infraAgentImages are monitoring, mesh and CI agents: "agent" in
	// their names means nothing about LLMs.
	infraAgentImages = []string{"datadog", "jaeger", "fluent-bit", "fluentbit", "fluentd", "opentelemetry", "otel-collector", "otel/", "otel-agent", "elastic-agent", "elastic/agent", "filebeat", "metricbeat", "istio/proxy", "proxyv2", "linkerd", "newrelic", "dynatrace", "grafana/agent", "grafana/alloy", "splunk", "sumologic", "falco", "consul", "vault", "gitlab-runner", "buildkite", "jenkins", "teamcity", "cloudwatch-agent", "aws-xray", "node-exporter", "promtail", "timberio/vector", "crowdstrike", "sysdig", "twistlock", "wazuh", "ossec"}
	// gpuOperatorImages run GPU infrastructure, not workloads.
	gpuOperatorImages = []string{"nvcr.io/nvidia/k8s/", "k8s-device-plugin", "dcgm-exporter", "gpu-feature-discovery", "gpu-operator", "nvidia/driver", "container-toolkit", "k8s-driver-manager", "node-feature-discovery", "mig-manager", "intel-gpu-plugin", "neuron-device-plugin", "amd-gpu-device-plugin"}
)

// builtinSignals is the classifier's knowledge, as data. d collects the
// words the word signals look for.
func builtinSignals(d *wordDict) []signal {
	return []signal{
		// ---- inference ----
		{"engine", inference, 4, anyOf(
			imagesLike(
				n("vLLM", "vllm"),
				n("Hugging Face TGI", "text-generation-inference"),
				n("NVIDIA Triton", "tritonserver"),
				n("NVIDIA NIM", "nvcr.io/nim/"),
				n("SGLang", "sglang"),
				n("llama.cpp", "llama.cpp", "llamacpp", "llama-cpp", "llama-server"),
				n("Ollama", "ollama"),
				n("LMDeploy", "lmdeploy"),
				n("TensorRT-LLM", "tensorrt-llm", "tensorrtllm", "trtllm"),
				n("LocalAI", "localai"),
				n("model server", "mlc-llm", "aphrodite", "xinference", "openllm", "lorax", "jetstream"),
				n("KServe Hugging Face server", "huggingfaceserver"),
				n("Ray LLM", "ray-llm"),
				n("llm-d", "llm-d/"),
				n("LiteLLM gateway", "litellm"),
			),
			commandsLike(
				n("vLLM", "vllm"),
				n("SGLang", "sglang.launch_server"),
				n("Hugging Face TGI", "text-generation-launcher"),
				n("NVIDIA Triton", "tritonserver"),
				n("llama.cpp", "llama-server", "llama.cpp", "llamacpp"),
				n("Ollama", "ollama serve"),
				n("TensorRT-LLM", "trtllm-serve"),
				n("LMDeploy", "lmdeploy serve"),
			),
			serveConfigHas("Ray Serve LLM", "ray.serve.llm", "vllm"),
		)},
		{"engine-env", inference, 2, anyOf(
			envNamed("model server setting", []string{"NUM_SHARD", "MAX_TOTAL_TOKENS", "MAX_INPUT_LENGTH", "MAX_INPUT_TOKENS", "MAX_BATCH_PREFILL_TOKENS", "MAX_BATCH_TOTAL_TOKENS", "NGC_API_KEY"},
				[]string{"VLLM_", "SGLANG_", "OLLAMA_", "NIM_", "TRITON_", "LLAMA_ARG_", "TRTLLM_", "TGI_"}),
		)},
		{"model-source", inference, 1, anyOf(
			envNamed("uses Hugging Face models", []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HOME", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE", "MODEL_ID"}, []string{"HF_HUB_"}),
		)},
		{"model-uri", inference, 2, storageURIHas("hf://")},
		{"model-args", inference, 1.5, argsNameModel()},
		{"serving-label", inference, 3, anyOf(
			labelHas("KServe", "serving.kserve.io/inferenceservice", ""),
			labelHas("llm-d", "llm-d.ai/inferenceServing", "true"),
			labelHas("llm-d", "llm-d.ai/model", ""),
			labelHas("GKE AI inference", "ai.gke.io/inference-server", ""),
			labelHas("GKE AI model", "ai.gke.io/model", ""),
			labelHas("KubeAI", "app.kubernetes.io/managed-by", "kubeai"),
		)},
		{"serving-kind", inference, 3, kindIs("KServe model serving", "InferenceService")},
		{"llm-kind", inference, 5, anyOf(
			kindIs("KServe LLM serving", "LLMInferenceService"),
			kindIs("NVIDIA NIM", "NIMService"),
			groupKind("KubeAI model", "kubeai.org", "Model"),
			inferencePoolSelects(),
		)},
		{"model-format", inference, 4, modelFormatIs("an LLM model format", "huggingface", "vllm", "llm", "tgi", "huggingface-llm")},
		{"classical-model", inference, -5, anyOf(
			modelFormatIs("a classical ML format, not an LLM", "sklearn", "xgboost", "lightgbm", "pmml", "paddle", "mlflow", "catboost"),
			imageHas("classical ML server, not an LLM", "sklearnserver", "xgbserver", "lgbserver", "pmmlserver", "paddleserver"),
		)},
		{"multi-host", inference, 1.5, anyOf(
			kindIs("multi-host serving", "LeaderWorkerSet", "RayService"),
			labelHas("multi-host serving", "leaderworkerset.sigs.k8s.io/name", ""),
			labelHas("Ray Serve", "ray.io/originated-from-crd", "RayService"),
			kindIs("Ray cluster", "RayCluster"),
			imageHas("Ray", "rayproject/ray"),
			envNamed("LeaderWorkerSet group", []string{"LWS_LEADER_ADDRESS", "LWS_GROUP_SIZE"}, nil),
		)},
		{"engine-port", inference, 1, anyOf(portIs("Ollama", 11434), portIs("SGLang", 30000))},

		// ---- retrieval ----
		{"retrieval-engine", retrieval, 4.5, imagesLike(
			n("Hugging Face text-embeddings-inference", "text-embeddings-inference"),
			n("Infinity embeddings", "michaelf34/infinity", "infinity-emb"),
			n("Qdrant", "qdrant/qdrant"),
			n("Milvus", "milvusdb/milvus", "zilliz"),
			n("Weaviate", "semitechnologies/weaviate"),
			n("Chroma", "chromadb/chroma"),
			n("pgvector", "pgvector"),
			n("Vespa", "vespaengine/vespa"),
			n("vector search", "marqo", "lancedb"),
			n("OPEA RAG component", "opea/retriever", "opea/embedding", "opea/reranking", "opea/dataprep"),
		)},
		{"retrieval-kind", retrieval, 4.5, kindIs("ToolHive embedding server", "EmbeddingServer")},
		{"vector-store", retrieval, 2.5, imageHas("Redis Stack vector search", "redis-stack")},
		{"vector-client", retrieval, 3, anyOf(
			envNamed("talks to a vector database", nil, []string{"QDRANT_", "MILVUS_", "WEAVIATE_", "CHROMA_", "PINECONE_", "PGVECTOR_", "LANCEDB_", "RETRIEVER_"}),
			envContains("talks to a vector store", "VECTOR_DB", "VECTORDB", "VECTOR_STORE", "VECTORSTORE", "EMBEDDING_ENDPOINT", "EMBEDDING_MODEL", "TEI_EMBEDDING"),
		)},
		{"retrieval-word", retrieval, 2.5, d.wordIn("", "rag", "retriever", "retrieval", "embed", "embedder", "embedding", "embeddings", "vector", "vectordb", "reranker", "rerank", "qdrant", "milvus", "weaviate", "chroma", "chromadb")},
		{"retrieval-port", retrieval, 1, anyOf(portIs("Qdrant", 6333, 6334), portIs("Milvus", 19530))},

		// ---- agents ----
		{"agent-kind", agent, 5, anyOf(
			kindIs("ToolHive MCP server", "MCPServer", "MCPRemoteProxy", "VirtualMCPServer"),
			groupKind("kagent agent", "kagent.dev", "Agent"),
		)},
		{"agent-image", agent, 4, d.wordIn("agent framework", "hermes-agent", "openclaw", "langgraph", "openhands", "autogen", "crewai", "letta", "kagent", "smolagents", "browser-use", "agent-zero")},
		{"mcp", agent, 4, d.wordIn("Model Context Protocol server", "mcp")},
		{"agent-framework", agent, 3, anyOf(
			envNamed("agent framework", nil, []string{"LANGGRAPH_", "LANGSMITH_", "LANGCHAIN_", "MCP_"}),
			d.wordIn("agent framework", "adk", "langgraph", "langchain", "crewai", "autogen"),
		)},
		{"llm-client", agent, 2, anyOf(
			envNamed("calls an LLM API", llmClientEnvNames, llmClientEnvPrefixes),
			hostAliasHas("reaches an LLM host", "llm", "ollama", "vllm", "openai"),
		)},
		{"sandbox-orchestrator", agent, 2, envNamed("creates sandboxes for agent sessions", nil, []string{"SANDBOX_"})},
		{"agent-word", agent, 1.5, d.wordIn("", "agent", "agents", "agentic", "assistant", "copilot")},

		// ---- code execution ----
		{"sandbox", codeExec, 3, anyOf(
			groupKind("agent-sandbox", "agents.x-k8s.io", "Sandbox"),
			groupKind("agent-sandbox", "extensions.agents.x-k8s.io", "SandboxTemplate", "SandboxClaim", "SandboxWarmPool"),
			kindIs("agent-sandbox", "Sandbox", "SandboxTemplate", "SandboxClaim", "SandboxWarmPool"),
			labelPrefix("agent-sandbox pod", "agents.x-k8s.io/"),
		)},
		{"code-runner", codeExec, 3, anyOf(
			nameHas("code runner", "code-interpreter", "code-exec", "code-runner", "coderunner", "codeexec", "python-runtime", "sandbox-runtime", "node-runtime", "judge0"),
			d.wordIn("code runner", "interpreter", "executor", "piston", "e2b"),
			imageHas("OpenHands runtime", "all-hands-ai/runtime"),
			agentWorker(),
			labelHas("Jupyter kernel", "kernel_id", ""),
			labelHas("Jupyter kernel", "component", "kernel"),
			envNamed("E2B code sandbox", []string{"E2B_API_KEY"}, []string{"KERNEL_"}),
		)},

		// ---- not LLM workloads ----
		{"infra", allLLM, -4, onlyInfra(false, "infrastructure agent, not an LLM workload")},
		{"gpu-operator", allLLM, -10, onlyInfra(true, "GPU infrastructure, not an LLM workload")},
		{"training", allLLM, -5, anyOf(
			kindIs("training job", "PyTorchJob", "TFJob", "MPIJob", "XGBoostJob", "PaddleJob", "JAXJob", "TrainJob", "TrainingRuntime", "ClusterTrainingRuntime"),
			commandHas("training", "torchrun", "accelerate launch", "deepspeed", "train.py", "fine_tune", "finetune", "fine-tune", "torch.distributed"),
			d.wordIn("training", "finetune", "finetuning", "training", "trainer", "train"),
			nameHas("training", "fine-tun", "fine_tun"),
		)},
		{"runs-to-completion", serving, -3, when(func(f *features) bool { return f.runsToCompletion }, func(f *features) (ev, bool) {
			return mk("", "runs to completion (", orDefault(f.kind, "Pod"), "): not a serving workload"), true
		})},
		{"model-download", serving, -3, when(func(f *features) bool { return f.runsToCompletion },
			commandHas("downloads a model", "ollama pull", "huggingface-cli download", "hf download", "snapshot_download", "git lfs pull", "download"))},
	}
}

// onlyInfra matches when every app container runs an infrastructure
// image: a sidecar (an OpenTelemetry collector next to vLLM) changes nothing.
func onlyInfra(gpuOperator bool, note string) matcher {
	return func(f *features) (ev, bool) {
		if f.appContainers == 0 || f.infraContainers < f.appContainers || f.infraImage == "" {
			return ev{}, false
		}
		if gpuOperator != f.gpuInfra {
			return ev{}, false
		}
		return mk(note, "image ", f.infraImage), true
	}
}

// agentWorker matches names like "claude-agent-worker": a worker that
// executes an agent's tool calls is a code runner, not the agent.
func agentWorker() matcher {
	return func(f *features) (ev, bool) {
		for _, n := range f.names {
			if hasWord(n.value, "agent") && (hasWord(n.value, "worker") || hasWord(n.value, "runner") || hasWord(n.value, "executor")) {
				return mk("executes an agent's tool calls", n.what, " ", n.value), true
			}
		}
		return ev{}, false
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
