package remediate

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/tiergate/tiergate/kinds"
)

// kubectlType is how a kubectl command names the target's type: its
// kind in lower case ("deployment"), or, for a kind name two groups
// declare (agent-sandbox's and OpenKruise's Sandbox), its resource,
// version and group ("sandboxes.v1alpha1.agents.kruise.io"), which
// kubectl resolves to that group alone rather than to whichever its
// discovery lists first.
func kubectlType(t Target) string {
	if !kinds.Ambiguous(t.Kind) {
		return strings.ToLower(t.Kind)
	}
	gv, err := schema.ParseGroupVersion(t.APIVersion)
	k, ok := kinds.ForGroupKind(gv.WithKind(t.Kind).GroupKind())
	if err != nil || !ok {
		return strings.ToLower(t.Kind)
	}
	return k.Resource + "." + gv.Version + "." + gv.Group
}
