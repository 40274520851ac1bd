package kinds

import "strings"

// Custom resources. Their API servers take JSON patches, not strategic
// merge patches. Each is declared as its project's released CRD
// (internal/crds) defines it: group, kind, plural, scope, the versions it
// serves (the stored one first) and where its pod templates sit, checked
// by a test against the CRD's schema. The live audit watches each one the
// cluster serves (discovery decides): custom resources with no pods are
// audited from their templates, and pods resolve to them as owners.
var (
	// LeaderWorkerSet (leaderworkerset.x-k8s.io): multi-host serving, a
	// leader and workers per group, each group a StatefulSet. Fixed
	// live through the object itself (read with get), never through its
	// StatefulSets' pods, whose specs hold what the API server and
	// webhooks added.
	LeaderWorkerSet = register(&Kind{
		Group: "leaderworkerset.x-k8s.io", Version: "v1", Versions: []string{"v1"}, Kind: "LeaderWorkerSet", Resource: "leaderworkersets", Namespaced: true, Short: "lws",
		Templates: []Template{
			{Path: "spec.leaderWorkerTemplate.leaderTemplate.spec", Role: "leaderTemplate"},
			{Path: "spec.leaderWorkerTemplate.workerTemplate.spec", Role: "workerTemplate"},
		},
		Patch:   JSONPatch,
		Creates: "StatefulSet", Reverts: true, Peers: true,
		// The leader's and the workers' templates differ; the set's name
		// label is on both.
		NameLabel: "leaderworkerset.sigs.k8s.io/name",
		RBAC:      RBAC{Read: readAndWatched, Apply: applied},
		Watch:     &Watch{Loss: "LeaderWorkerSets without pods not audited", IfServed: true},
	})

	// agent-sandbox (agents.x-k8s.io, extensions.agents.x-k8s.io): a
	// Sandbox runs one pod from its template; a SandboxTemplate is the
	// template SandboxWarmPools (and v1alpha1 SandboxClaims) point at, a
	// v1beta1 claim points at a warm pool (and runs the pool's template).
	// Its controller also creates the NetworkPolicy a SandboxTemplate's
	// spec.networkPolicy describes.
	Sandbox = register(&Kind{
		Group: "agents.x-k8s.io", Version: "v1beta1", Versions: []string{"v1beta1", "v1alpha1"}, Kind: "Sandbox", Resource: "sandboxes", Namespaced: true,
		Templates: []Template{{Path: "spec.podTemplate.spec"}},
		Patch:     JSONPatch,
		Creates:   "Pod", Reverts: true,
		RBAC:  RBAC{Read: watched},
		Watch: &Watch{Loss: "agent sandboxes without pods not audited", IfServed: true},
	})
	SandboxTemplate = register(&Kind{
		Group: "extensions.agents.x-k8s.io", Version: "v1beta1", Versions: []string{"v1beta1", "v1alpha1"}, Kind: "SandboxTemplate", Resource: "sandboxtemplates", Namespaced: true,
		Templates: []Template{{Path: "spec.podTemplate.spec"}},
		Patch:     JSONPatch,
		RefField:  "sandboxTemplateRef",
		// Sandboxes run from it through claims and warm pools.
		TemplateOnly: true,
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "sandbox templates, and the claims and warm pools that run them, not audited", IfServed: true},
	})
	SandboxClaim = register(&Kind{
		Group: "extensions.agents.x-k8s.io", Version: "v1beta1", Versions: []string{"v1beta1", "v1alpha1"}, Kind: "SandboxClaim", Resource: "sandboxclaims", Namespaced: true,
		Templateless: true,
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "sandbox claims without pods not audited", IfServed: true},
	})
	SandboxWarmPool = register(&Kind{
		Group: "extensions.agents.x-k8s.io", Version: "v1beta1", Versions: []string{"v1beta1", "v1alpha1"}, Kind: "SandboxWarmPool", Resource: "sandboxwarmpools", Namespaced: true,
		Templateless: true,
		RefField:     "warmPoolRef",
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "sandbox warm pools without pods not audited", IfServed: true},
	})

	// OpenKruise agents (agents.kruise.io): its kinds are named as
	// agent-sandbox's (Sandbox, SandboxTemplate, SandboxClaim), in a
	// group of their own: the registry keys kinds by group. A Sandbox runs
	// one pod from its template (or a SandboxTemplate's, by templateRef);
	// a SandboxSet keeps a pool of Sandboxes ready; a SandboxClaim takes
	// Sandboxes from the SandboxSet its templateName names.
	KruiseSandbox = register(&Kind{
		Group: "agents.kruise.io", Version: "v1alpha1", Versions: []string{"v1alpha1"}, Kind: "Sandbox", Resource: "sandboxes", Namespaced: true, Short: "sbx",
		Templates: []Template{{Path: "spec.template.spec"}},
		Patch:     JSONPatch,
		Creates:   "Pod", Reverts: true,
		RBAC:  RBAC{Read: watched},
		Watch: &Watch{Loss: "OpenKruise sandboxes without pods not audited", IfServed: true},
	})
	KruiseSandboxSet = register(&Kind{
		Group: "agents.kruise.io", Version: "v1alpha1", Versions: []string{"v1alpha1"}, Kind: "SandboxSet", Resource: "sandboxsets", Namespaced: true, Short: "sbs",
		Templates: []Template{{Path: "spec.template.spec"}},
		Patch:     JSONPatch,
		Creates:   "Sandbox", Reverts: true,
		RBAC:  RBAC{Read: watched},
		Watch: &Watch{Loss: "OpenKruise sandbox sets without pods not audited", IfServed: true},
	})
	KruiseSandboxTemplate = register(&Kind{
		Group: "agents.kruise.io", Version: "v1alpha1", Versions: []string{"v1alpha1"}, Kind: "SandboxTemplate", Resource: "sandboxtemplates", Namespaced: true, Short: "sbt",
		Templates:    []Template{{Path: "spec.template.spec"}},
		Patch:        JSONPatch,
		TemplateOnly: true,
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "OpenKruise sandbox templates not audited", IfServed: true},
	})
	KruiseSandboxClaim = register(&Kind{
		Group: "agents.kruise.io", Version: "v1alpha1", Versions: []string{"v1alpha1"}, Kind: "SandboxClaim", Resource: "sandboxclaims", Namespaced: true, Short: "sbc",
		Templateless: true,
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "OpenKruise sandbox claims without pods not audited", IfServed: true},
	})

	// Alibaba OpenSandbox (sandbox.opensandbox.io): a BatchSandbox runs
	// replicas of its pod template (or takes them from the Pool its
	// poolRef names); a Pool keeps warm pods of its template. Both
	// templates are schemaless in the CRD (preserved unknown fields).
	BatchSandbox = register(&Kind{
		Group: "sandbox.opensandbox.io", Version: "v1alpha1", Versions: []string{"v1alpha1"}, Kind: "BatchSandbox", Resource: "batchsandboxes", Namespaced: true, Short: "bsbx",
		Templates: []Template{{Path: "spec.template.spec"}},
		Patch:     JSONPatch,
		Creates:   "Pod", Reverts: true,
		RBAC:  RBAC{Read: watched},
		Watch: &Watch{Loss: "OpenSandbox batch sandboxes without pods not audited", IfServed: true},
	})
	OpenSandboxPool = register(&Kind{
		Group: "sandbox.opensandbox.io", Version: "v1alpha1", Versions: []string{"v1alpha1"}, Kind: "Pool", Resource: "pools", Namespaced: true,
		Templates: []Template{{Path: "spec.template.spec"}},
		Patch:     JSONPatch,
		Creates:   "Pod", Reverts: true,
		RBAC:  RBAC{Read: watched},
		Watch: &Watch{Loss: "OpenSandbox pools without pods not audited", IfServed: true},
	})

	// AgentCube (runtime.agentcube.volcano.sh): an AgentRuntime carries
	// the pod template its agents' sandboxes run; a CodeInterpreter
	// renders its sandboxes' pod from one container's fields
	// (spec.template: image, command, env, resources, runtimeClassName)
	// and runs the code it is sent.
	AgentRuntime = register(&Kind{
		Group: "runtime.agentcube.volcano.sh", Version: "v1alpha1", Versions: []string{"v1alpha1"}, Kind: "AgentRuntime", Resource: "agentruntimes", Namespaced: true,
		Templates: []Template{{Path: "spec.podTemplate.spec"}},
		Patch:     JSONPatch,
		RBAC:      RBAC{Read: watched},
		Watch:     &Watch{Loss: "AgentCube agent runtimes without pods not audited", IfServed: true},
	})
	CodeInterpreter = register(&Kind{
		Group: "runtime.agentcube.volcano.sh", Version: "v1alpha1", Versions: []string{"v1alpha1"}, Kind: "CodeInterpreter", Resource: "codeinterpreters", Namespaced: true,
		Templateless: true,
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "AgentCube code interpreters without pods not audited", IfServed: true},
	})

	// Kubeflow Trainer (trainer.kubeflow.org): a TrainJob names a
	// (Cluster)TrainingRuntime and overrides its trainer's image,
	// command, env and resources; its pods come from the runtime's JobSet
	// template, which holds their isolation (runtimeClassName, security
	// contexts). From the TrainJob alone there is no pod spec to audit:
	// it is training (its kind says so), run to completion, and its
	// isolation is read from its pods when they run. The JobSet it creates
	// has its name, and JobSet labels every pod with it.
	TrainJob = register(&Kind{
		Group: "trainer.kubeflow.org", Version: "v1alpha1", Versions: []string{"v1alpha1"}, Kind: "TrainJob", Resource: "trainjobs", Namespaced: true,
		Templateless:     true,
		RunsToCompletion: true,
		NameLabel:        "jobset.sigs.k8s.io/jobset-name",
		RBAC:             RBAC{Read: watched},
		Watch:            &Watch{Loss: "TrainJobs without pods not audited", IfServed: true},
	})

	// KServe (serving.kserve.io): an InferenceService's predictor,
	// transformer and explainer each run as pods of their own; its model
	// formats and storage are what its pods do not carry.
	InferenceService = register(&Kind{
		Group: "serving.kserve.io", Version: "v1beta1", Versions: []string{"v1beta1"}, Kind: "InferenceService", Resource: "inferenceservices", Namespaced: true, Short: "isvc",
		Templateless: true,
		NameLabel:    "serving.kserve.io/inferenceservice",
		Labels: func(specPath string) map[string]string {
			component, _, _ := strings.Cut(strings.TrimPrefix(specPath, "spec."), ".")
			return map[string]string{"component": component}
		},
		RBAC:  RBAC{Read: watched},
		Watch: &Watch{Loss: "KServe model formats unavailable; InferenceServices without pods not audited", IfServed: true},
	})
	LLMInferenceService = register(&Kind{
		Group: "serving.kserve.io", Version: "v1alpha2", Versions: []string{"v1alpha2", "v1alpha1"}, Kind: "LLMInferenceService", Resource: "llminferenceservices", Namespaced: true,
		Templateless: true,
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "LLMInferenceServices without pods not audited", IfServed: true},
	})

	// Operators that render a pod from an image and a few fields.
	NIMService = register(&Kind{
		Group: "apps.nvidia.com", Version: "v1alpha1", Versions: []string{"v1alpha1"}, Kind: "NIMService", Resource: "nimservices", Namespaced: true,
		Templateless: true,
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "NIMServices without pods not audited", IfServed: true},
	})
	MCPServer = register(&Kind{
		Group: "toolhive.stacklok.dev", Version: "v1beta1", Versions: []string{"v1beta1", "v1alpha1"}, Kind: "MCPServer", Resource: "mcpservers", Namespaced: true,
		Templateless: true,
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "MCPServers without pods not audited", IfServed: true},
	})
	EmbeddingServer = register(&Kind{
		Group: "toolhive.stacklok.dev", Version: "v1beta1", Versions: []string{"v1beta1", "v1alpha1"}, Kind: "EmbeddingServer", Resource: "embeddingservers", Namespaced: true,
		Templateless: true,
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "EmbeddingServers without pods not audited", IfServed: true},
	})
	Model = register(&Kind{
		Group: "kubeai.org", Version: "v1", Versions: []string{"v1"}, Kind: "Model", Resource: "models", Namespaced: true,
		Templateless: true,
		RBAC:         RBAC{Read: watched},
		Watch:        &Watch{Loss: "KubeAI Models without pods not audited", IfServed: true},
	})

	// KubeRay (ray.io): a head and groups of workers.
	RayCluster = register(&Kind{
		Group: "ray.io", Version: "v1", Versions: []string{"v1", "v1alpha1"}, Kind: "RayCluster", Resource: "rayclusters", Namespaced: true,
		Templates: rayTemplates(""),
		Patch:     JSONPatch,
		// The head and the workers talk on Ray's own ports (GCS,
		// raylets, object transfer), named in no configuration.
		Creates: "Pod", Reverts: true, Peers: true,
		NameLabel: "ray.io/cluster",
		Labels:    rayNodeType,
		RBAC:      RBAC{Read: watched},
		Watch:     &Watch{Loss: "RayClusters without pods not audited", IfServed: true},
	})
	RayService = register(&Kind{
		Group: "ray.io", Version: "v1", Versions: []string{"v1", "v1alpha1"}, Kind: "RayService", Resource: "rayservices", Namespaced: true,
		Templates: rayTemplates("rayClusterConfig."),
		Patch:     JSONPatch,
		Creates:   "RayCluster", Reverts: true, Peers: true,
		// Its RayCluster's name, on the pods as ray.io/cluster, is
		// generated: every Ray pod carries ray.io/is-ray-node=yes
		// (KubeRay's labelPod), so its pods may reach the namespace's
		// Ray pods rather than be cut from their head.
		PeerLabels: map[string]string{"ray.io/is-ray-node": "yes"},
		Labels: func(specPath string) map[string]string {
			l := rayNodeType(specPath)
			l["ray.io/originated-from-crd"] = "RayService"
			return l
		},
		RBAC:  RBAC{Read: watched},
		Watch: &Watch{Loss: "RayServices without pods not audited", IfServed: true},
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
