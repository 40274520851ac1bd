package remediate

import (
	"testing"

	"github.com/tiergate/tiergate/kinds"
)

// TestKubectlTypeNamesTheGroupWhereTheKindIsShared: a script's kubectl
// names a Deployment as kubectl users do, and each of two Sandboxes by
// resource, version and group, so that kubectl cannot patch the other
// project's object of the same name.
func TestKubectlTypeNamesTheGroupWhereTheKindIsShared(t *testing.T) {
	for _, c := range []struct {
		t    Target
		want string
	}{
		{Target{APIVersion: "apps/v1", Kind: kinds.Deployment.Kind, Name: "x"}, "deployment"},
		{Target{APIVersion: "agents.kruise.io/v1alpha1", Kind: kinds.KruiseSandbox.Kind, Name: "x"}, "sandboxes.v1alpha1.agents.kruise.io"},
		{Target{APIVersion: "agents.x-k8s.io/v1beta1", Kind: kinds.Sandbox.Kind, Name: "x"}, "sandboxes.v1beta1.agents.x-k8s.io"},
		{Target{APIVersion: "extensions.agents.x-k8s.io/v1alpha1", Kind: kinds.SandboxTemplate.Kind, Name: "x"}, "sandboxtemplates.v1alpha1.extensions.agents.x-k8s.io"},
	} {
		if got := kubectlType(c.t); got != c.want {
			t.Errorf("%s: %q, want %q", c.t, got, c.want)
		}
	}
}
