package cluster

import (
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/crd"
	"github.com/tiergate/tiergate/kinds"
)

// lastApplied is kubectl's copy of the whole object in an annotation:
// large, and never read by the audit.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// strip is the informers' transform: it drops what the audit never reads
// before objects reach the cache, so that 100,000 pods fit in memory.
// Env values go too, all but the addresses of variables that name one
// (audit.KeepAddress): a value that is not kept cannot leak.
func strip(obj any) (any, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
		if a := m.GetAnnotations(); a[lastApplied] != "" {
			delete(a, lastApplied)
		}
	}
	switch o := obj.(type) {
	case *rbacv1.Role:
		o.Annotations, o.Labels = nil, nil
		o.Rules = audit.SandboxRules(o.Rules)
	case *rbacv1.ClusterRole:
		o.Annotations, o.Labels = nil, nil
		o.Rules, o.AggregationRule = audit.SandboxRules(o.Rules), nil
	case *rbacv1.RoleBinding:
		o.Annotations, o.Labels = nil, nil
	case *rbacv1.ClusterRoleBinding:
		o.Annotations, o.Labels = nil, nil
	case *corev1.Pod:
		o.Annotations = audit.PodSecurityAnnotations(o.Annotations) // all Pod Security reads
		stripSpec(&o.Spec)
		// The cache keeps a smaller object than a Pod: of its status
		// (384 bytes and up) only what kubectl's STATUS column says.
		return &cachedPod{ObjectMeta: o.ObjectMeta, Spec: o.Spec, Status: podStatus(o)}, nil
	// Of a controller's status, only what its STATUS says (controllerStatus).
	case *appsv1.ReplicaSet:
		o.Status = appsv1.ReplicaSetStatus{Conditions: keepConditions(o.Status.Conditions, func(c appsv1.ReplicaSetCondition) bool {
			return c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue
		})}
	case *appsv1.Deployment:
		o.Status = appsv1.DeploymentStatus{Conditions: keepConditions(o.Status.Conditions, func(c appsv1.DeploymentCondition) bool {
			return c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue
		})}
	case *appsv1.StatefulSet:
		o.Status = appsv1.StatefulSetStatus{}
		o.Spec.VolumeClaimTemplates = nil
	case *appsv1.DaemonSet:
		o.Status = appsv1.DaemonSetStatus{}
	case *batchv1.Job:
		o.Status = batchv1.JobStatus{Conditions: keepConditions(o.Status.Conditions, func(c batchv1.JobCondition) bool {
			return c.Status == corev1.ConditionTrue && (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed || c.Type == batchv1.JobSuspended)
		})}
	case *batchv1.CronJob:
		o.Status = batchv1.CronJobStatus{}
	case *corev1.Namespace:
		// Only the labels matter (Pod Security's enforce|audit|warn).
		o.Annotations, o.Spec, o.Status = nil, corev1.NamespaceSpec{}, corev1.NamespaceStatus{}
	case *corev1.Node:
		o.Status.Images = nil
		o.Status.Conditions = nil
		o.Status.VolumesAttached, o.Status.VolumesInUse = nil, nil
	}
	// A controller's pod template, found through the registry.
	if t := podTemplateOf(obj); t != nil {
		stripTemplate(t)
	}
	return obj, nil
}

// podTemplateOf is the pod template of a typed object of a kind the
// registry knows, nil for any other object.
func podTemplateOf(obj any) *corev1.PodTemplateSpec {
	k, ok := kinds.ForObject(obj)
	if !ok || k.Typed.PodTemplate == nil {
		return nil
	}
	return k.Typed.PodTemplate(obj.(runtime.Object))
}

// stripPool is the InferencePool informers' transform: of a pool it
// keeps the name and the selector (what tiergate reads), never kubectl's
// last-applied copy or anything else.
func stripPool(obj any) (any, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	spec := map[string]any{}
	if sel, ok, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "selector"); ok {
		spec["selector"] = sel
	}
	meta := map[string]any{"name": u.GetName(), "namespace": u.GetNamespace(), "uid": string(u.GetUID()), "resourceVersion": u.GetResourceVersion()}
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": u.GetAPIVersion(), "kind": u.GetKind(), "metadata": meta, "spec": spec}}, nil
}

// cachedPod is what the pod informer stores: a pod with its status
// reduced to kubectl's view of it.
type cachedPod struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec   corev1.PodSpec
	Status audit.Status
}

// DeepCopyObject makes cachedPod a runtime.Object, as informers expect.
func (p *cachedPod) DeepCopyObject() runtime.Object {
	c := *p
	p.ObjectMeta.DeepCopyInto(&c.ObjectMeta)
	p.Spec.DeepCopyInto(&c.Spec)
	return &c
}

// stripTemplate drops from a controller's pod template what strip drops
// from pods: a controller with no pods is audited from its template.
func stripTemplate(t *corev1.PodTemplateSpec) {
	t.ManagedFields = nil
	t.Annotations = audit.PodSecurityAnnotations(t.Annotations)
	stripSpec(&t.Spec)
}

// stripSpec keeps what the checks read: containers (without env values
// or probes), security contexts, host namespaces, scheduling fields and,
// of the volumes, their names and the host paths, empty dirs and claims
// (not the projected service account token, config maps or secrets).
func stripSpec(s *corev1.PodSpec) {
	for _, cs := range [][]corev1.Container{s.InitContainers, s.Containers} {
		for i := range cs {
			stripContainer(&cs[i])
		}
	}
	s.EphemeralContainers = nil
	for i := range s.Volumes {
		s.Volumes[i].VolumeSource = volumeType(s.Volumes[i].VolumeSource)
	}
}

// volumeType keeps hostPath, emptyDir and PVC sources whole (checks read
// them) and of every other source only its type, as an empty value: Pod
// Security's restricted level allows some volume types and not others,
// and what is inside (projected sources, items, driver options) is not
// read by any check.
func volumeType(src corev1.VolumeSource) corev1.VolumeSource {
	out := corev1.VolumeSource{HostPath: src.HostPath, EmptyDir: src.EmptyDir, PersistentVolumeClaim: src.PersistentVolumeClaim}
	in, o := reflect.ValueOf(src), reflect.ValueOf(&out).Elem()
	for i := range in.NumField() {
		f := in.Field(i)
		if f.Kind() == reflect.Pointer && !f.IsNil() && o.Field(i).IsNil() {
			o.Field(i).Set(reflect.New(f.Type().Elem()))
		}
	}
	return out
}

// probeHost keeps of a probe only the host it is aimed at, if any: Pod
// Security forbids probes of another host; nothing else in a probe is read.
func probeHost(p *corev1.Probe) *corev1.Probe {
	if p == nil {
		return nil
	}
	if h := handlerHost(p.HTTPGet, p.TCPSocket); h != nil {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: h.HTTPGet, TCPSocket: h.TCPSocket}}
	}
	return nil
}

// lifecycleHost keeps of lifecycle hooks only the hosts they are aimed at.
func lifecycleHost(l *corev1.Lifecycle) *corev1.Lifecycle {
	if l == nil {
		return nil
	}
	var out corev1.Lifecycle
	if h := l.PostStart; h != nil {
		out.PostStart = handlerHost(h.HTTPGet, h.TCPSocket)
	}
	if h := l.PreStop; h != nil {
		out.PreStop = handlerHost(h.HTTPGet, h.TCPSocket)
	}
	if out.PostStart == nil && out.PreStop == nil {
		return nil
	}
	return &out
}

// handlerHost is a handler reduced to its host, nil without one.
func handlerHost(get *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction) *corev1.LifecycleHandler {
	switch {
	case get != nil && get.Host != "":
		return &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Host: get.Host}}
	case tcp != nil && tcp.Host != "":
		return &corev1.LifecycleHandler{TCPSocket: &corev1.TCPSocketAction{Host: tcp.Host}}
	}
	return nil
}

func stripContainer(c *corev1.Container) {
	// Only GPU-like resources are read; CPU and memory are not.
	c.Resources.Requests = gpuOnly(c.Resources.Requests)
	c.Resources.Limits = gpuOnly(c.Resources.Limits)
	// Of a value, only the address a variable names (host:port, for the
	// egress allow-list) is kept, never the rest (credentials in a URL,
	// paths, anything else); of a reference, only that it points into a
	// Secret or ConfigMap.
	kept := audit.KeepAddresses(c.Env)
	for i := range c.Env {
		e := &c.Env[i]
		e.Value = kept[i]
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			e.ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{}}
		case e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil:
			e.ValueFrom = &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{}}
		default:
			e.ValueFrom = nil
		}
	}
	c.LivenessProbe, c.ReadinessProbe, c.StartupProbe = probeHost(c.LivenessProbe), probeHost(c.ReadinessProbe), probeHost(c.StartupProbe)
	c.Lifecycle = lifecycleHost(c.Lifecycle)
	c.TerminationMessagePath = ""
}

func gpuOnly(rl corev1.ResourceList) corev1.ResourceList {
	var out corev1.ResourceList
	for name, q := range rl {
		if audit.IsGPUResource(name) {
			if out == nil {
				out = corev1.ResourceList{}
			}
			out[name] = q
		}
	}
	return out
}

// addOwner records a controller's own controlling owner, both by group
// and kind (a Sandbox of agent-sandbox's group is not OpenKruise's).
func addOwner(ix audit.OwnerIndex, o metav1.Object, apiVersion, kind string) {
	if ref := metav1.GetControllerOfNoCopy(o); ref != nil && kind != "" {
		ix[audit.KeyOf(apiVersion, kind, o.GetNamespace(), o.GetName())] = ownerOf(ref)
	}
}

// ownerOf is the Owner an owner reference names, with its apiVersion.
func ownerOf(ref *metav1.OwnerReference) audit.Owner {
	return audit.Owner{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name}
}

// kserveFacts maps "namespace/name" of InferenceServices to their model
// formats and storage URIs, which their predictor pods do not carry.
func kserveFacts(objs []any) map[string]audit.Extra {
	if len(objs) == 0 {
		return nil
	}
	out := map[string]audit.Extra{}
	for _, o := range objs {
		u := o.(*unstructured.Unstructured)
		var ex audit.Extra
		ex.ModelFormats, ex.StorageURIs = crd.KServeModels(u.Object)
		out[u.GetNamespace()+"/"+u.GetName()] = ex
	}
	return out
}

// podWorkload turns a cached pod into the audit's workload.
func podWorkload(p *cachedPod, owners audit.OwnerIndex, kserve map[string]audit.Extra) audit.Workload {
	w := audit.Workload{
		APIVersion: kinds.Pod.APIVersion(), Kind: kinds.Pod.Kind, Namespace: p.Namespace, Name: p.Name, UID: string(p.UID),
		Labels: p.Labels, NodeName: p.Spec.NodeName, Phase: p.Status.Phase, Status: &p.Status,
		Templates: []audit.PodTemplate{{SpecPath: "spec", Labels: p.Labels, Annotations: p.Annotations, Spec: &p.Spec}},
	}
	if ref := metav1.GetControllerOfNoCopy(p); ref != nil {
		o := ownerOf(ref)
		w.Owner = &o
		w.Owners = audit.WithDeployment(owners.Chain(p.Namespace, w.Owner), p.Labels)
	}
	if isvc := p.Labels[kinds.InferenceService.NameLabel]; isvc != "" {
		w.Extra = kserve[p.Namespace+"/"+isvc]
	}
	return w
}

// controllerWorkload turns a controller of a kind the registry knows into
// a workload audited from its pod template, for when no pod runs from it.
func controllerWorkload(k *kinds.Kind, o any) (audit.Workload, bool) {
	obj, ok := o.(runtime.Object)
	meta, isMeta := o.(metav1.Object)
	if !ok || !isMeta || k == nil || k.Typed == nil || k.Typed.PodTemplate == nil {
		return audit.Workload{}, false
	}
	tmpl := k.Typed.PodTemplate(obj)
	w := audit.Workload{
		APIVersion: k.APIVersion(), Kind: k.Kind, Namespace: meta.GetNamespace(), Name: meta.GetName(), UID: string(meta.GetUID()),
		Labels:    meta.GetLabels(),
		Templates: []audit.PodTemplate{{SpecPath: k.Templates[0].Path, Labels: tmpl.Labels, Annotations: tmpl.Annotations, Spec: &tmpl.Spec}},
		Status:    controllerStatus(o),
	}
	if ref := metav1.GetControllerOfNoCopy(meta); ref != nil {
		o := ownerOf(ref)
		w.Owner = &o
	}
	return w, true
}
