package cluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/manifest"
)

// customKinds are the registry's custom workload kinds the live audit
// watches when the cluster serves them, in the registry's order.
func customKinds() []*kinds.Kind {
	var out []*kinds.Kind
	for _, k := range kinds.All() {
		if k.Watch != nil && k.Watch.IfServed && k.Workload() {
			out = append(out, k)
		}
	}
	return out
}

// servedCustoms are the readables of the custom kinds the cluster
// serves (servedSet.customsServed).
func servedCustoms(c *Clients) []readable {
	s, _ := discover(context.Background(), c)
	return s.customsServed()
}

// stripWorkload is the transform of the custom workload kinds' dynamic
// informers: of the object it keeps its name, labels and owners and its
// spec, where the offline audit finds its pod templates and the fields
// its operator renders a pod from; never its status, managedFields,
// annotations (kubectl's last-applied copy) or the value of an env
// variable (audit.KeepAddress keeps only the address one names, as for
// pods).
func stripWorkload(obj any) (any, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil
	}
	meta := map[string]any{"name": u.GetName(), "namespace": u.GetNamespace(), "uid": string(u.GetUID()), "resourceVersion": u.GetResourceVersion()}
	if l, ok, _ := unstructured.NestedFieldCopy(u.Object, "metadata", "labels"); ok {
		meta["labels"] = l
	}
	if refs, ok, _ := unstructured.NestedFieldCopy(u.Object, "metadata", "ownerReferences"); ok {
		meta["ownerReferences"] = refs
	}
	out := map[string]any{"apiVersion": u.GetAPIVersion(), "kind": u.GetKind(), "metadata": meta}
	if spec, ok, _ := unstructured.NestedFieldCopy(u.Object, "spec"); ok {
		stripEnvValues(spec)
		if m, ok := spec.(map[string]any); ok {
			stripServeConfig(m)
		}
		out["spec"] = spec
	}
	return &unstructured.Unstructured{Object: out}, nil
}

// serveConfigKey is where a RayService holds its Ray Serve config: YAML
// in a string, whose applications' runtime_env may set env_vars.
const serveConfigKey = "serveConfigV2"

// stripServeConfig drops the values of the env_vars a Ray Serve config
// sets (their names stay: the audit reads the config's words); a config
// that does not parse is dropped whole rather than kept with its values.
func stripServeConfig(spec map[string]any) {
	sc, ok := spec[serveConfigKey].(string)
	if !ok {
		return
	}
	var cfg any
	if err := yaml.Unmarshal([]byte(sc), &cfg); err != nil {
		delete(spec, serveConfigKey)
		return
	}
	if !blankEnvVars(cfg) {
		return // nothing to drop: kept as written
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		delete(spec, serveConfigKey)
		return
	}
	spec[serveConfigKey] = string(b)
}

// blankEnvVars empties every value under an env_vars map; it says whether
// there was one.
func blankEnvVars(v any) bool {
	found := false
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if vars, ok := x.(map[string]any); ok && k == "env_vars" {
				for name := range vars {
					vars[name] = ""
				}
				found = true
				continue
			}
			found = blankEnvVars(x) || found
		}
	case []any:
		for _, x := range v {
			found = blankEnvVars(x) || found
		}
	}
	return found
}

// stripEnvValues walks a copied spec and, in every env list (pod
// templates' containers, and the env operators put beside an image) and
// every env map (KubeAI's name → value), keeps of a value only the
// address it names and of a reference only whether it points into a
// Secret or a ConfigMap, as stripContainer does for pods. Probes and
// lifecycle hooks keep only the hosts they aim at (an httpGet header may
// hold a token, an exec hook a command line), and templates' annotations
// only those Pod Security reads.
func stripEnvValues(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch x := x.(type) {
			case []any:
				if k == "env" {
					stripEnvList(x)
					continue
				}
			case map[string]any:
				switch k {
				case "env":
					stripEnvMap(x)
					continue
				case "annotations":
					keepPodSecurityAnnotations(v, x)
					continue
				case "livenessProbe", "readinessProbe", "startupProbe":
					stripTyped(v, k, x, func(p *corev1.Probe) any { return probeHost(p) })
					continue
				case "lifecycle":
					stripTyped(v, k, x, func(l *corev1.Lifecycle) any { return lifecycleHost(l) })
					continue
				}
			}
			stripEnvValues(x)
		}
	case []any:
		for _, x := range v {
			stripEnvValues(x)
		}
	}
}

func stripEnvList(list []any) {
	env := make([]corev1.EnvVar, len(list))
	for i, x := range list {
		if m, ok := x.(map[string]any); ok {
			env[i].Name, _ = m["name"].(string)
			env[i].Value, _ = m["value"].(string)
			if _, ok := m["valueFrom"]; ok {
				env[i].ValueFrom = &corev1.EnvVarSource{}
			}
		}
	}
	kept := audit.KeepAddresses(env)
	for i, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			list[i] = map[string]any{}
			continue
		}
		if kept[i] != "" {
			m["value"] = kept[i]
		} else {
			delete(m, "value")
		}
		if from, ok := m["valueFrom"].(map[string]any); ok {
			switch {
			case from["secretKeyRef"] != nil:
				m["valueFrom"] = map[string]any{"secretKeyRef": map[string]any{}}
			case from["configMapKeyRef"] != nil:
				m["valueFrom"] = map[string]any{"configMapKeyRef": map[string]any{}}
			default:
				delete(m, "valueFrom")
			}
		} else {
			delete(m, "valueFrom")
		}
	}
}

// customWorkloads turns the custom resources read into workloads exactly
// as the offline audit does (manifest.Build: their pod templates, the
// pods operators render from a few fields, a claim's or warm pool's
// template), and records their controlling owners for the pods' owner
// chains.
func customWorkloads(objs []*unstructured.Unstructured, owners audit.OwnerIndex) ([]audit.Workload, error) {
	if len(objs) == 0 {
		return nil, nil
	}
	in := make([]manifest.Object, len(objs))
	for i, u := range objs {
		addOwner(owners, u, u.GetAPIVersion(), u.GetKind())
		in[i] = manifest.Object{Unstructured: u}
	}
	inv, _, err := manifest.Build(in, manifest.BuildOptions{})
	var unreadable []error
	if err != nil {
		// One object the loader cannot read must not hide the others:
		// each is tried alone, the unreadable are named, and the rest
		// built together (a claim still finds its warm pool's template).
		var ok []manifest.Object
		for _, o := range in {
			if _, _, err := manifest.Build([]manifest.Object{o}, manifest.BuildOptions{}); err != nil {
				unreadable = append(unreadable, fmt.Errorf("%s %s/%s: %s", o.GetKind(), o.GetNamespace(), o.GetName(), strings.TrimPrefix(textutil.OneLine(err.Error()), ":0: ")))
				continue
			}
			ok = append(ok, o)
		}
		if inv, _, err = manifest.Build(ok, manifest.BuildOptions{}); err != nil {
			return nil, err
		}
	}
	for i := range inv.Workloads {
		inv.Workloads[i].Source = nil // no file: read from the cluster
		// No pods, as a controller's STATUS says, until
		// SelectWorkloads finds those that run from it (then "N
		// pods"); a template runs none of its own.
		st := audit.StatusNoPods
		if k, ok := kinds.ForAPIVersion(inv.Workloads[i].APIVersion, inv.Workloads[i].Kind); ok && k.TemplateOnly {
			st = audit.StatusTemplate
		}
		inv.Workloads[i].Status = &audit.Status{Status: st}
	}
	return inv.Workloads, errors.Join(unreadable...)
}

// stripEnvMap is stripEnvList for an env map (name → value).
func stripEnvMap(m map[string]any) {
	names := slices.Sorted(maps.Keys(m))
	env := make([]corev1.EnvVar, len(names))
	for i, n := range names {
		env[i].Name = n
		env[i].Value, _ = m[n].(string)
	}
	kept := audit.KeepAddresses(env)
	for i, n := range names {
		m[n] = kept[i]
	}
}

// keepPodSecurityAnnotations keeps of an annotations map only what Pod
// Security reads (AppArmor, the old seccomp annotations).
func keepPodSecurityAnnotations(parent, ann map[string]any) {
	strs := map[string]string{}
	for k, v := range ann {
		if s, ok := v.(string); ok {
			strs[k] = s
		}
	}
	kept := audit.PodSecurityAnnotations(strs)
	if len(kept) == 0 {
		delete(parent, "annotations")
		return
	}
	out := make(map[string]any, len(kept))
	for k, v := range kept {
		out[k] = v
	}
	parent["annotations"] = out
}

// stripTyped reads parent[key] as a T, keeps what keep returns of it, and
// writes that back (nothing when keep keeps nothing, or the field is not
// a T).
func stripTyped[T any, R any](parent map[string]any, key string, v map[string]any, keep func(*T) R) {
	var t T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(v, &t); err != nil {
		delete(parent, key)
		return
	}
	r := keep(&t)
	if rv := reflect.ValueOf(r); !rv.IsValid() || rv.Kind() == reflect.Pointer && rv.IsNil() {
		delete(parent, key)
		return
	}
	out, err := runtime.DefaultUnstructuredConverter.ToUnstructured(r)
	if err != nil {
		delete(parent, key)
		return
	}
	parent[key] = out
}
