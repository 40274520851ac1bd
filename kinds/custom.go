package kinds

import "strings"

// Custom resources. Their API servers take JSON patches, not strategic
// merge patches. A kind with no Version is read from files only.
var (
	// LeaderWorkerSet (leaderworkerset.x-k8s.io): multi-host serving, a
	// leader and workers per group, each group a StatefulSet. Fixed
	// live through the object itself (read with get), never through its
	// StatefulSets' pods, whose specs hold what the API server and
	// webhooks added.
	LeaderWorkerSet = register(&Kind{
		Group: "leaderworkerset.x-k8s.io", Version: "v1", Kind: "LeaderWorkerSet", Resource: "leaderworkersets", Namespaced: true, Short: "lws",
		Templates: []Template{
			{Path: "spec.leaderWorkerTemplate.leaderTemplate.spec", Role: "leaderTemplate"},
			{Path: "spec.leaderWorkerTemplate.workerTemplate.spec", Role: "workerTemplate"},
		},
		Patch:   JSONPatch,
		Creates: "StatefulSet", Reverts: true, Peers: true,
		// The leader's and the workers' templates differ; the set's name
		// label is on both.
		NameLabel: "leaderworkerset.sigs.k8s.io/name",
		RBAC:      RBAC{Read: []string{"get"}, Apply: applied},
	})

	// agent-sandbox (agents.x-k8s.io, extensions.agents.x-k8s.io): a
	// Sandbox runs one pod from its template; a SandboxTemplate is the
	// template SandboxClaims and SandboxWarmPools point at, a claim may
	// point at a warm pool instead (and run the pool's template). Its
	// controller also creates the NetworkPolicy a SandboxTemplate's
	// spec.networkPolicy describes.
	Sandbox = register(&Kind{
		Group: "agents.x-k8s.io", Kind: "Sandbox", Resource: "sandboxes", Namespaced: true,
		Templates: []Template{{Path: "spec.podTemplate.spec"}},
		Patch:     JSONPatch,
		Creates:   "Pod", Reverts: true,
	})
	SandboxTemplate = register(&Kind{
		Group: "extensions.agents.x-k8s.io", Kind: "SandboxTemplate", Resource: "sandboxtemplates", Namespaced: true,
		Templates: []Template{{Path: "spec.podTemplate.spec"}},
		Patch:     JSONPatch,
		RefField:  "sandboxTemplateRef",
	})
	SandboxClaim = register(&Kind{
		Group: "extensions.agents.x-k8s.io", Kind: "SandboxClaim", Resource: "sandboxclaims", Namespaced: true,
		Templateless: true,
	})
	SandboxWarmPool = register(&Kind{
		Group: "extensions.agents.x-k8s.io", Kind: "SandboxWarmPool", Resource: "sandboxwarmpools", Namespaced: true,
		Templateless: true,
		RefField:     "warmPoolRef",
	})

	// KServe (serving.kserve.io): an InferenceService's predictor,
	// transformer and explainer each run as pods of their own. Watched
	// live for the model formats and storage its pods do not carry.
	InferenceService = register(&Kind{
		Group: "serving.kserve.io", Version: "v1beta1", Kind: "InferenceService", Resource: "inferenceservices", Namespaced: true, Short: "isvc",
		Templateless: true,
		NameLabel:    "serving.kserve.io/inferenceservice",
		Labels: func(specPath string) map[string]string {
			component, _, _ := strings.Cut(strings.TrimPrefix(specPath, "spec."), ".")
			return map[string]string{"component": component}
		},
		RBAC:  RBAC{Read: watched},
		Watch: &Watch{Loss: "KServe model formats unavailable", IfServed: true},
	})
	LLMInferenceService = register(&Kind{
		Group: "serving.kserve.io", Kind: "LLMInferenceService", Resource: "llminferenceservices", Namespaced: true,
		Templateless: true,
	})

	// Operators that render a pod from an image and a few fields.
	NIMService = register(&Kind{
		Group: "apps.nvidia.com", Kind: "NIMService", Resource: "nimservices", Namespaced: true,
		Templateless: true,
	})
	MCPServer = register(&Kind{
		Group: "toolhive.stacklok.dev", Kind: "MCPServer", Resource: "mcpservers", Namespaced: true,
		Templateless: true,
	})
	EmbeddingServer = register(&Kind{
		Group: "toolhive.stacklok.dev", Kind: "EmbeddingServer", Resource: "embeddingservers", Namespaced: true,
		Templateless: true,
	})
	Model = register(&Kind{
		Group: "kubeai.org", Kind: "Model", Resource: "models", Namespaced: true,
		Templateless: true,
	})

	// KubeRay (ray.io): a head and groups of workers.
	RayCluster = register(&Kind{
		Group: "ray.io", Kind: "RayCluster", Resource: "rayclusters", Namespaced: true,
		Templates: rayTemplates(""),
		Creates:   "Pod", Reverts: true,
		NameLabel: "ray.io/cluster",
		Labels:    rayNodeType,
	})
	RayService = register(&Kind{
		Group: "ray.io", Kind: "RayService", Resource: "rayservices", Namespaced: true,
		Templates: rayTemplates("rayClusterConfig."),
		Creates:   "RayCluster", Reverts: true,
		Labels: func(specPath string) map[string]string {
			l := rayNodeType(specPath)
			l["ray.io/originated-from-crd"] = "RayService"
			return l
		},
	})
)

// rayTemplates are a Ray cluster's head and worker groups under prefix.
func rayTemplates(prefix string) []Template {
	return []Template{
		{Path: "spec." + prefix + "headGroupSpec.template.spec", Role: "head"},
		{Path: "spec." + prefix + "workerGroupSpecs[*].template.spec", Role: "worker group"},
	}
}

// rayNodeType is the node type KubeRay puts on a Ray cluster's pods.
func rayNodeType(specPath string) map[string]string {
	if strings.Contains(specPath, "headGroupSpec") {
		return map[string]string{"ray.io/node-type": "head"}
	}
	return map[string]string{"ray.io/node-type": "worker"}
}
