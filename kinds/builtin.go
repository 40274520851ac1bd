package kinds

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/runtime"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	batchv1ac "k8s.io/client-go/applyconfigurations/batch/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
)

// Verbs of tiergate's roles (deploy/rbac).
var (
	// watched: the live audit lists and watches it.
	watched = []string{"list", "watch"}
	// readAndWatched: also read one by one by fix, for a pod template.
	readAndWatched = []string{"get", "list", "watch"}
	// applied: server-side applied by fix --apply.
	applied = []string{"get", "patch"}
	// created: created by fix --apply, or applied when it exists.
	created = []string{"get", "create", "patch"}
)

// podTemplate is the path of a controller's pod spec.
var podTemplate = []Template{{Path: "spec.template.spec"}}

// Kubernetes' own workload kinds, in the order the live audit sets up
// their informers.
var (
	Pod = register(&Kind{
		Version: "v1", Kind: "Pod", Resource: "pods", Namespaced: true,
		// Pods show as "namespace/name": no short name.
		Templates: []Template{{Path: "spec"}},
		Patch:     StrategicMerge, Recreate: true,
		RBAC:  RBAC{Read: watched},
		Watch: &Watch{Loss: "nothing to audit", Required: true},
		Typed: typed[corev1.Pod](nil, nil),
	})
	ReplicaSet = register(&Kind{
		Group: "apps", Version: "v1", Kind: "ReplicaSet", Resource: "replicasets", Namespaced: true, Short: "rs",
		Templates: podTemplate, Patch: StrategicMerge,
		Creates: "Pod", Reverts: true,
		RBAC:  RBAC{Read: readAndWatched, Apply: applied},
		Watch: &Watch{Loss: "Deployments named from their ReplicaSets' names"},
		Typed: typed(func(o *appsv1.ReplicaSet) *corev1.PodTemplateSpec { return &o.Spec.Template },
			owned(appsv1ac.ExtractReplicaSet)),
	})
	Deployment = register(&Kind{
		Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Namespaced: true, Short: "deploy",
		Templates: podTemplate, Patch: StrategicMerge,
		Creates: "ReplicaSet", Reverts: true, ChildHashLabel: "pod-template-hash",
		RBAC:  RBAC{Read: readAndWatched, Apply: applied},
		Watch: &Watch{Loss: "Deployments without pods (scaled to zero, failing admission) not audited"},
		Typed: typed(func(o *appsv1.Deployment) *corev1.PodTemplateSpec { return &o.Spec.Template },
			owned(appsv1ac.ExtractDeployment)),
	})
	StatefulSet = register(&Kind{
		Group: "apps", Version: "v1", Kind: "StatefulSet", Resource: "statefulsets", Namespaced: true, Short: "sts",
		Templates: podTemplate, Patch: StrategicMerge,
		Creates: "Pod", Reverts: true, Peers: true,
		RBAC:  RBAC{Read: readAndWatched, Apply: applied},
		Watch: &Watch{Loss: "owners of StatefulSets (LeaderWorkerSet) not resolved"},
		Typed: typed(func(o *appsv1.StatefulSet) *corev1.PodTemplateSpec { return &o.Spec.Template },
			owned(appsv1ac.ExtractStatefulSet)),
	})
	DaemonSet = register(&Kind{
		Group: "apps", Version: "v1", Kind: "DaemonSet", Resource: "daemonsets", Namespaced: true, Short: "ds",
		Templates: podTemplate, Patch: StrategicMerge,
		Creates: "Pod", Reverts: true, PerNode: true,
		RBAC:  RBAC{Read: readAndWatched, Apply: applied},
		Watch: &Watch{Loss: "DaemonSets without pods not audited"},
		Typed: typed(func(o *appsv1.DaemonSet) *corev1.PodTemplateSpec { return &o.Spec.Template },
			owned(appsv1ac.ExtractDaemonSet)),
	})
	Job = register(&Kind{
		Group: "batch", Version: "v1", Kind: "Job", Resource: "jobs", Namespaced: true, Short: "job",
		Templates: podTemplate, Patch: StrategicMerge, Recreate: true,
		Creates: "Pod", Reverts: true, RunsToCompletion: true,
		RBAC:  RBAC{Read: readAndWatched},
		Watch: &Watch{Loss: "CronJobs not resolved as pod owners (a running CronJob is also audited from its template)"},
		Typed: typed(func(o *batchv1.Job) *corev1.PodTemplateSpec { return &o.Spec.Template }, nil),
	})
	CronJob = register(&Kind{
		Group: "batch", Version: "v1", Kind: "CronJob", Resource: "cronjobs", Namespaced: true, Short: "cj",
		Templates: []Template{{Path: "spec.jobTemplate.spec.template.spec"}}, Patch: StrategicMerge,
		Creates: "Job", Reverts: true, RunsToCompletion: true,
		RBAC:  RBAC{Read: readAndWatched, Apply: applied},
		Watch: &Watch{Loss: "CronJobs between runs not audited"},
		Typed: typed(func(o *batchv1.CronJob) *corev1.PodTemplateSpec { return &o.Spec.JobTemplate.Spec.Template },
			owned(batchv1ac.ExtractCronJob)),
	})
)

// Objects fixes change or create beside workloads.
var (
	ServiceAccount = register(&Kind{
		Version: "v1", Kind: "ServiceAccount", Resource: "serviceaccounts", Namespaced: true, Short: "sa",
		Patch: StrategicMerge,
		RBAC:  RBAC{Read: readAndWatched, Apply: applied},
		Watch: &Watch{Loss: "token automount judged from pod settings only"},
		Typed: typed[corev1.ServiceAccount](nil, owned(corev1ac.ExtractServiceAccount)),
	})
	NetworkPolicy = register(&Kind{
		Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy", Resource: "networkpolicies", Namespaced: true, Short: "netpol",
		Patch: StrategicMerge,
		RBAC:  RBAC{Read: watched, Apply: created},
		Watch: &Watch{Loss: "egress checks skipped"},
		Typed: typed[networkingv1.NetworkPolicy](nil, nil),
	})
	RuntimeClass = register(&Kind{
		Group: "node.k8s.io", Version: "v1", Kind: "RuntimeClass", Resource: "runtimeclasses",
		Patch: StrategicMerge,
		RBAC:  RBAC{Read: watched, Apply: created},
		Watch: &Watch{Loss: "RuntimeClass handlers unavailable: handlers assumed from class names"},
		Typed: typed[nodev1.RuntimeClass](nil, nil),
	})
)

// typed builds the hooks of a Go type T from its pod template accessor
// and its apply-configuration extractor (either may be nil).
func typed[T any, P interface {
	*T
	runtime.Object
}](template func(P) *corev1.PodTemplateSpec, owned func(runtime.Object, string) (any, error)) *Typed {
	t := &Typed{New: func() runtime.Object { return P(new(T)) }, Owned: owned}
	if template != nil {
		t.PodTemplate = func(o runtime.Object) *corev1.PodTemplateSpec { return template(o.(P)) }
	}
	return t
}

// owned adapts a client-go Extract function to Typed.Owned.
func owned[P runtime.Object, AC any](extract func(P, string) (AC, error)) func(runtime.Object, string) (any, error) {
	return func(o runtime.Object, manager string) (any, error) { return extract(o.(P), manager) }
}
