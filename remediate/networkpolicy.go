package remediate

import (
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/tiergate/tiergate/kinds"
)

// volatileLabels differ between pods of one workload (or between runs of a
// CronJob), so a NetworkPolicy must not select by them. The topology
// labels are copied from the node onto a live pod when it is bound
// (PodTopologyLabelsAdmission): the next pod may land in another zone.
var volatileLabels = []string{
	"pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name",
	"apps.kubernetes.io/pod-index", "controller-uid", "job-name", "pod-template-generation",
	"batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name", "batch.kubernetes.io/job-completion-index",
	"topology.kubernetes.io/zone", "topology.kubernetes.io/region",
}

// stableLabels are the pod template labels a policy can select the
// workload's pods by.
func stableLabels(l map[string]string) map[string]string {
	out := maps.Clone(l)
	for _, k := range volatileLabels {
		delete(out, k)
	}
	return out
}

// egressPolicy is the NetworkPolicy for one workload: egress to cluster
// DNS and to what its allow-list derived, nothing else.
func egressPolicy(namespace, name string, selector map[string]string, allow []networkingv1.NetworkPolicyEgressRule) *networkingv1.NetworkPolicy {
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	dns := intstr.FromInt32(53)
	np := &networkingv1.NetworkPolicy{
		TypeMeta: kinds.NetworkPolicy.TypeMeta(),
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "tiergate"}},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selector},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
					PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
				}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &dns}, {Protocol: &tcp, Port: &dns}},
			}},
		},
	}
	np.Spec.Egress = append(np.Spec.Egress, allow...)
	return np
}

// allowListHint is written under the derived rules: how to add what
// tiergate could not derive.
const allowListHint = `  # To add a destination, for example
  # - to:                    # the model gateway
  #   - namespaceSelector:
  #       matchLabels:
  #         kubernetes.io/metadata.name: llm-gateway
  #   ports:
  #   - port: 443
  #     protocol: TCP
  # - to:                    # telemetry (OTLP collector)
  #   - namespaceSelector:
  #       matchLabels:
  #         kubernetes.io/metadata.name: observability
  #   ports:
  #   - port: 4317
  #     protocol: TCP
  # Never allow 169.254.169.254 (cloud metadata: it hands out node credentials).
`

// networkPolicyManifest renders the policy with what its allow-list
// derived and what is left to add after its egress rules.
func networkPolicyManifest(np *networkingv1.NetworkPolicy, al allowList) ([]byte, error) {
	y, err := manifestYAML(np)
	if err != nil {
		return nil, err
	}
	s := string(y)
	// sigs.k8s.io/yaml sorts keys: egress comes first under spec and
	// podSelector right after it.
	if i := strings.Index(s, "\n  podSelector:"); i >= 0 {
		s = s[:i+1] + allowListComment(al) + s[i+1:]
	}
	return []byte(s), nil
}
