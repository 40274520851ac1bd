package manifest

import "github.com/tiergate/tiergate/kinds"

// renderedSpec is the pod spec an operator renders from one container's
// fields rather than a pod template: an AgentCube CodeInterpreter's
// spec.template holds an image, command, args, environment, resources,
// imagePullSecrets and runtimeClassName, and the labels and annotations
// of the sandbox pods it makes, which then run the code they are sent.
// The spec sits at spec.template: a finding's runtimeClassName is there
// as in the object; its container fields are flat in it.
func renderedSpec(o *Object) (foundSpec, bool) {
	k, ok := kinds.ForAPIVersion(o.GetAPIVersion(), o.GetKind())
	if !ok || k != kinds.CodeInterpreter {
		return foundSpec{}, false
	}
	spec, _ := o.Object["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	if !hasString(tmpl, "image") {
		return foundSpec{}, false
	}
	c := map[string]any{"name": "code-interpreter"}
	for _, f := range []string{"image", "imagePullPolicy", "command", "args", "resources"} {
		if v, ok := tmpl[f]; ok {
			c[f] = v
		}
	}
	if env, ok := tmpl["environment"]; ok {
		c["env"] = env
	}
	pod := map[string]any{"containers": []any{c}}
	for _, f := range []string{"runtimeClassName", "imagePullSecrets"} {
		if v, ok := tmpl[f]; ok {
			pod[f] = v
		}
	}
	meta := map[string]any{}
	for _, f := range []string{"labels", "annotations"} {
		if v, ok := tmpl[f]; ok {
			meta[f] = v
		}
	}
	return foundSpec{path: "spec.template", spec: pod, meta: meta}, true
}
