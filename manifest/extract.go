package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/crd"
	"github.com/tiergate/tiergate/kinds"
)

// notWorkloads are kinds that carry container specs without running them
// (templates for other objects) or whose contents must never be read.
var notWorkloads = map[string]bool{
	"PodTemplate": true, "ServingRuntime": true, "ClusterServingRuntime": true,
	"Secret": true, "ConfigMap": true,
}

// foundSpec is a pod spec found inside an object.
type foundSpec struct {
	path string         // dotted path of the PodSpec
	spec map[string]any // the PodSpec fields
	meta map[string]any // the template's metadata, if any
	role string
}

// toWorkload extracts a workload from an object, or returns nil when the
// object is not pod-bearing. It also returns the object's custom-resource
// facts (agent-sandbox references are resolved once all are loaded).
func toWorkload(o *Object) (*audit.Workload, crdFacts, error) {
	kind := o.GetKind()
	if notWorkloads[kind] {
		return nil, crdFacts{}, nil
	}
	obj := o.Object
	var specs []foundSpec
	if kind == "Pod" {
		if s, ok := obj["spec"].(map[string]any); ok {
			specs = append(specs, foundSpec{path: "spec", spec: s, meta: nil})
		}
	} else if fs, ok := renderedSpec(o); ok {
		specs = append(specs, fs)
	} else {
		findSpecs(obj, "", nil, &specs)
	}
	extra := customFacts(o)
	if len(specs) == 0 && extra.image == "" && extra.ref == nil && !(templateless(o) && isCustom(o)) {
		return nil, extra, nil
	}
	w := &audit.Workload{
		APIVersion: o.GetAPIVersion(),
		Kind:       kind,
		Namespace:  o.GetNamespace(),
		Name:       o.GetName(),
		UID:        string(o.GetUID()),
		Labels:     o.GetLabels(),
		Extra:      extra.Extra,
		Source:     &audit.Source{File: o.File, Line: o.Line, Lines: o.Lines},
	}
	if kind == "Pod" {
		w.NodeName, _, _ = unstructured.NestedString(obj, "spec", "nodeName")
		w.Phase, _, _ = unstructured.NestedString(obj, "status", "phase")
	}
	for _, ref := range o.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller {
			w.Owner = &audit.Owner{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name}
		}
	}
	for _, fs := range specs {
		t, err := toTemplate(fs, len(specs) > 1)
		if err != nil {
			return nil, extra, fmt.Errorf("%s:%d: %s %s: %s: %v", o.File, o.Line, kind, o.GetName(), fs.path, err)
		}
		if kind == "Pod" {
			t.Labels = w.Labels
			t.Annotations = audit.PodSecurityAnnotations(o.GetAnnotations())
		}
		w.Templates = append(w.Templates, t)
	}
	extra.apply(w)
	for i := range w.Templates {
		t := &w.Templates[i]
		if extraLabels := controllerLabels(w.APIVersion, kind, w.Name, t); extraLabels != nil {
			merged := make(map[string]string, len(t.Labels)+len(extraLabels))
			for k, v := range t.Labels {
				merged[k] = v
			}
			for k, v := range extraLabels {
				merged[k] = v
			}
			t.Labels = merged
		}
	}
	return w, extra, nil
}

// templateless says the registry knows the object's kind as a custom
// resource that runs pods without carrying a pod template of its own.
func templateless(o *Object) bool {
	k, ok := kinds.ForAPIVersion(o.GetAPIVersion(), o.GetKind())
	return ok && k.Templateless
}

func isCustom(o *Object) bool {
	g := o.GroupVersionKind().Group
	return strings.Contains(g, ".")
}

// findSpecs walks an object for maps that hold a "containers" list: each
// is a PodSpec. It does not descend into a PodSpec it found. ancestors
// are the maps above v, nearest last.
func findSpecs(v any, path string, ancestors []map[string]any, out *[]foundSpec) {
	switch m := v.(type) {
	case map[string]any:
		if cs, ok := m["containers"].([]any); ok && len(cs) > 0 {
			if _, isMap := cs[0].(map[string]any); isMap {
				*out = append(*out, foundSpec{path: path, spec: m, meta: templateMeta(path, ancestors), role: roleOf(path, ancestors)})
				return
			}
		}
		// A single "container" (KServe custom components).
		if c, ok := m["container"].(map[string]any); ok && hasString(c, "image") {
			*out = append(*out, foundSpec{path: path, spec: map[string]any{"containers": []any{c}}, role: roleOf(path, ancestors)})
			return
		}
		// A KServe predictor's model is a container of its own.
		if mdl, ok := m["model"].(map[string]any); ok && mdl["modelFormat"] != nil {
			spec := copyMap(m)
			c := copyMap(mdl)
			c["name"] = "kserve-container"
			delete(c, "modelFormat")
			delete(c, "storageUri")
			delete(c, "runtime")
			delete(c, "protocolVersion")
			spec["containers"] = []any{c}
			delete(spec, "model")
			*out = append(*out, foundSpec{path: path, spec: spec, role: roleOf(path, ancestors)})
			return
		}
		for _, k := range sortedKeys(m) {
			if path == "" && (k == "metadata" || k == "status") {
				continue
			}
			findSpecs(m[k], joinPath(path, k), append(ancestors, m), out)
		}
	case []any:
		for i, child := range m {
			findSpecs(child, path+"["+strconv.Itoa(i)+"]", ancestors, out)
		}
	}
}

// sortedKeys keeps the walk, and so template order, deterministic.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// templateMeta returns the metadata beside a PodSpec at "<x>.spec".
func templateMeta(path string, ancestors []map[string]any) map[string]any {
	if !strings.HasSuffix(path, "spec") || len(ancestors) == 0 {
		return nil
	}
	m, _ := ancestors[len(ancestors)-1]["metadata"].(map[string]any)
	return m
}

// roleOf names a pod spec for people: "leaderTemplate", "Master",
// "worker group gpu-group", "predictor".
func roleOf(path string, ancestors []map[string]any) string {
	segs := strings.Split(path, ".")
	for len(segs) > 0 {
		last := segs[len(segs)-1]
		switch last {
		case "spec", "template", "podTemplate", "podTemplateSpec", "custom":
			segs = segs[:len(segs)-1]
			continue
		}
		break
	}
	if len(segs) == 0 {
		return ""
	}
	last := segs[len(segs)-1]
	if strings.HasPrefix(last, "workerGroupSpecs[") {
		for i := len(ancestors) - 1; i >= 0; i-- {
			if g, ok := groupName(ancestors[i]); ok {
				return "worker group " + g
			}
		}
	}
	if last == "headGroupSpec" {
		return "head"
	}
	return last
}

func groupName(m map[string]any) (string, bool) {
	if m == nil {
		return "", false
	}
	g, ok := m["groupName"].(string)
	return g, ok && g != ""
}

func toTemplate(fs foundSpec, multi bool) (audit.PodTemplate, error) {
	var spec corev1.PodSpec
	// Through JSON rather than the unstructured converter: its errors name
	// the field ("env.value") and the type it wanted.
	b, err := json.Marshal(fs.spec)
	if err != nil {
		return audit.PodTemplate{}, err
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		return audit.PodTemplate{}, fieldError(err)
	}
	t := audit.PodTemplate{SpecPath: fs.path, Spec: &spec}
	if multi {
		t.Role = fs.role
	}
	if fs.meta != nil {
		t.Labels = stringMap(fs.meta["labels"])
		t.Annotations = audit.PodSecurityAnnotations(stringMap(fs.meta["annotations"]))
	}
	return t, nil
}

// fieldError words a JSON type error for people: "field
// containers.env.value: a number where a string belongs".
func fieldError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %s: %s where %s belongs", te.Field, article(te.Value), article(te.Type.String()))
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

func article(v string) string {
	switch v {
	case "array", "object", "number", "string", "bool":
		return "a " + v
	}
	return v
}

func stringMap(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		if s, ok := val.(string); ok {
			out[k] = s
		} else if val != nil {
			out[k] = fmt.Sprint(val)
		}
	}
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func hasString(m map[string]any, k string) bool {
	s, ok := m[k].(string)
	return ok && s != ""
}

// crdFacts are custom-resource facts outside pod templates.
type crdFacts struct {
	audit.Extra
	// image is an operator CR's image (MCPServer, EmbeddingServer,
	// NIMService) that the operator puts into the pod it renders.
	image    string
	imageCtr map[string]any
	// ref is the object whose pod template the object runs (a claim's
	// warm pool, a pool's SandboxTemplate), when it carries none itself.
	ref *templateRef
}

// customFacts reads the CR fields that matter: KServe model formats and
// storage, Ray Serve config, operator images, agent-sandbox references
// and managed network policies.
func customFacts(o *Object) crdFacts {
	var cf crdFacts
	spec, _ := o.Object["spec"].(map[string]any)
	if spec == nil {
		return cf
	}
	cf.ModelFormats, cf.StorageURIs = crd.KServeModels(o.Object)
	if mdl, ok := spec["model"].(map[string]any); ok {
		if u, ok := mdl["uri"].(string); ok {
			cf.StorageURIs = append(cf.StorageURIs, u)
		}
	}
	if sc, ok := spec["serveConfigV2"].(string); ok {
		cf.ServeConfig = sc
	}
	switch img := spec["image"].(type) {
	case string:
		cf.image = img
		cf.imageCtr = spec
	case map[string]any: // NIMService: {repository, tag}
		if repo, ok := img["repository"].(string); ok {
			cf.image = repo
			if tag, ok := img["tag"].(string); ok && tag != "" {
				cf.image += ":" + tag
			}
		}
	}
	cf.ref = refOf(o, spec)
	if us, ok := spec["updateStrategy"].(map[string]any); ok && o.GetKind() == kinds.SandboxWarmPool.Kind {
		cf.UpdateStrategy, _ = us["type"].(string) // a stale warm sandbox stays under OnReplenish
	}
	if np, ok := spec["networkPolicy"].(map[string]any); ok && strings.HasPrefix(o.GetAPIVersion(), kinds.SandboxTemplate.Group+"/") {
		var nps networkingv1.NetworkPolicySpec
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(np, &nps); err == nil {
			nps.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
			cf.NetworkPolicy = &nps
		}
	}
	return cf
}

// apply puts an operator CR's image into the pod it renders: into the
// first container without an image, else as a container of its own in
// the first template (or in a template of its own).
func (cf crdFacts) apply(w *audit.Workload) {
	if cf.image == "" {
		return
	}
	for i := range w.Templates {
		for j := range w.Templates[i].Spec.Containers {
			if c := &w.Templates[i].Spec.Containers[j]; c.Image == "" {
				cf.fill(c)
				return
			}
		}
	}
	c := corev1.Container{Name: strings.ToLower(w.Kind)}
	cf.fill(&c)
	if len(w.Templates) > 0 {
		spec := w.Templates[0].Spec
		spec.Containers = append([]corev1.Container{c}, spec.Containers...)
		return
	}
	w.Templates = append(w.Templates, audit.PodTemplate{SpecPath: "spec", Spec: &corev1.PodSpec{Containers: []corev1.Container{c}}})
}

// fill gives the operator's container its image and, for MCPServer and
// EmbeddingServer, the env, args and resources the CR carries next to
// it, where the pod template did not set them.
func (cf crdFacts) fill(c *corev1.Container) {
	c.Image = cf.image
	if cf.imageCtr == nil {
		return
	}
	var parts struct {
		Args      []string                    `json:"args"`
		Env       []corev1.EnvVar             `json:"env"`
		Resources corev1.ResourceRequirements `json:"resources"`
	}
	sub := map[string]any{}
	for _, k := range []string{"args", "env", "resources"} {
		if v, ok := cf.imageCtr[k]; ok {
			sub[k] = v
		}
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(sub, &parts); err != nil {
		return
	}
	if len(c.Args) == 0 {
		c.Args = parts.Args
	}
	c.Env = append(parts.Env, c.Env...)
	if len(c.Resources.Limits) == 0 && len(c.Resources.Requests) == 0 {
		c.Resources = parts.Resources
	}
}

// controllerLabels are labels an operator puts on the pods it renders
// from a template (the registry's PodLabels), so that NetworkPolicies and
// InferencePools written against them select the workload offline as
// they would live.
func controllerLabels(apiVersion, kind, name string, t *audit.PodTemplate) map[string]string {
	k, ok := kinds.ForAPIVersion(apiVersion, kind)
	if !ok {
		return nil
	}
	return k.PodLabels(name, t.SpecPath)
}
