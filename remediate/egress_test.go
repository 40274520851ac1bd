package remediate_test

import (
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/tiergate/tiergate/remediate"
)

// TestEgressAllowListFromConfiguration: the egress policy a fix creates
// allows the in-cluster Services the pods are pointed at (on their pods'
// port, in their namespace), never the metadata server; what it cannot
// allow it lists, and a policy that would cut the pods off is held back
// from the script and --apply unless asked for.
func TestEgressAllowListFromConfiguration(t *testing.T) {
	fx := load(t, "testdata/egress.yaml", nil)
	policies := map[string]remediate.Fix{}
	for _, f := range fx.res.Fixes {
		if f.Kind == remediate.KindNetworkPolicy {
			policies[f.Target.Name] = f
		}
	}
	triage, notes := policies["triage-agent-egress"], policies["notes-agent-egress"]
	if triage.Object == nil || notes.Object == nil {
		t.Fatalf("policies: %v", policies)
	}
	np := triage.Object.(*networkingv1.NetworkPolicy)
	var allowed []string
	for _, r := range np.Spec.Egress[1:] { // after DNS
		for _, peer := range r.To {
			if peer.IPBlock != nil {
				t.Errorf("an ipBlock in a derived rule: %+v", peer.IPBlock)
				continue
			}
			allowed = append(allowed, peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]+"/"+labels(peer.PodSelector.MatchLabels)+":"+r.Ports[0].Port.String())
		}
	}
	want := []string{"gw/app.kubernetes.io/name=litellm:http", "rag/app=qdrant:6333", "rag/app=tei:80"}
	if !slices.Equal(allowed, want) {
		t.Errorf("triage-agent's policy allows %v, want %v", allowed, want)
	}
	if len(triage.CutsOff) != 0 || strings.Contains(string(triage.Manifest), "FILL IN") {
		t.Errorf("triage-agent's policy is complete, yet cuts off %v", triage.CutsOff)
	}
	for _, addr := range []string{"169.254.169.254:80", "metadata.google.internal:80"} {
		if !strings.Contains(string(triage.Manifest), "not allowed: "+addr) {
			t.Errorf("the metadata address %s the pod names is not said to be left out", addr)
		}
	}
	wantCut := []string{"otel-collector.observability.svc:4317", "mcp:8080", "the address in env HTTPS_PROXY", "10.12.0.7:6379"} // ANTHROPIC_API_KEY goes through the proxy
	if !slices.Equal(notes.CutsOff, wantCut) {
		t.Errorf("notes-agent's policy cuts off %v, want %v", notes.CutsOff, wantCut)
	}
	held := func(o remediate.HoldOptions) []string {
		p, err := remediate.Hold(fx.res, o)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, h := range p.Held {
			if h.Fix.Kind == remediate.KindNetworkPolicy {
				names = append(names, h.Fix.Target.Name+" "+h.Include)
			}
		}
		return names
	}
	if got := held(remediate.HoldOptions{}); !slices.Equal(got, []string{"notes-agent-egress --allow-egress-gaps"}) {
		t.Errorf("held back: %v", got)
	}
	if got := held(remediate.HoldOptions{AllowEgressGaps: true}); len(got) != 0 {
		t.Errorf("--allow-egress-gaps still holds %v", got)
	}
}

func labels(m map[string]string) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// TestRayPodsKeepReachingEachOther: the egress policies of a RayCluster's
// head and workers let them reach the cluster's pods (ray.io/cluster),
// and a RayService's, whose cluster name is generated, the namespace's Ray
// pods: Ray's own ports are in no configuration.
func TestRayPodsKeepReachingEachOther(t *testing.T) {
	fx := load(t, "testdata/ray.yaml", nil)
	objs := string(remediate.NewObjects(fx.res))
	for _, want := range []string{
		"name: ray-llm-head-egress", "name: ray-llm-worker-group-gpu-group-egress", "ray.io/cluster: ray-llm",
		"name: ray-serve-head-egress", `ray.io/is-ray-node: "yes"`,
	} {
		if !strings.Contains(objs, want) {
			t.Errorf("the new objects lack %q:\n%s", want, objs)
		}
	}
	if n := strings.Count(objs, "every port (Ray"); n != 4 || !strings.Contains(objs, "narrow this to them once known") {
		t.Errorf("%d policies let the Ray pods reach one another, want 4:\n%s", n, objs)
	}
}
