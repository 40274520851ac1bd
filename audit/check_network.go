package audit

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/tiergate/tiergate/policy"
)

// Network: egress allow-lists.
const (
	RuleNoEgressPolicy = "TG-NET-001"
	RuleEgressOpen     = "TG-NET-002"
	RuleEgressMetadata = "TG-NET-003"
)

func networkRules() []Rule {
	return []Rule{
		{
			ID: RuleNoEgressPolicy, Name: "no-egress-policy", Category: CatNetwork, Severity: policy.High,
			SeverityNote: "medium for inference and retrieval",
			Title:        "No NetworkPolicy restricts the pod's egress",
			Rationale:    "Without an egress policy a pod can reach every address, the cloud metadata service and the API server included: prompt injection becomes exfiltration.",
			Fix:          "Add a NetworkPolicy with policyTypes [Egress] selecting the pod, allowing DNS and the model gateway only.",
			Remedy:       Remedy{Kind: RemedyEgressPolicy},
			check:        checkNoEgressPolicy,
		},
		{
			ID: RuleEgressOpen, Name: "egress-unrestricted", Category: CatNetwork, Severity: policy.High,
			SeverityNote: "medium when the open rule is limited to some ports",
			Title:        "Egress is allowed to every destination",
			Rationale:    "An egress rule with no `to` or with 0.0.0.0/0 is not an allow-list.",
			Fix:          "Replace the open rule with the destinations the workload needs.",
			Remedy:       Remedy{Kind: RemedyManual, Manual: egressAddsUp},
			check:        checkEgressOpen,
		},
		{
			ID: RuleEgressMetadata, Name: "egress-to-metadata", Category: CatNetwork, Severity: policy.High,
			Title:     "Egress reaches the cloud metadata address",
			Rationale: "169.254.169.254 hands out cloud credentials; an LLM workload has no reason to reach it.",
			Fix:       "Add 169.254.169.254/32 to the ipBlock's except list or narrow the rule.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: egressAddsUp},
			check:     checkEgressMetadata,
		},
	}
}

// metadataAddr is the cloud instance metadata service (AWS, GCP, Azure,
// OpenStack), which hands out credentials to whoever asks.
var metadataAddr = netip.MustParseAddr("169.254.169.254")

// metadataHosts are the metadata service's other addresses: AWS's IPv6
// address and the names clouds resolve to it.
var metadataHosts = []string{"fd00:ec2::254", "metadata.google.internal", "instance-data.ec2.internal"}

// IsMetadata says a host is the cloud metadata service, by address or
// name: egress to it is never allowed.
func IsMetadata(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if a, err := netip.ParseAddr(h); err == nil && a == metadataAddr {
		return true
	}
	return slices.Contains(metadataHosts, h)
}

// egressPolicies returns the egress policies that select a template's
// pods, including one the workload's controller creates itself.
func (s *subject) egressPolicies(t *PodTemplate) []netpol {
	out := s.netpols[:0]
	defer func() { s.netpols = out }()
	for _, np := range s.ix.netpols[s.w.Namespace] {
		if np.egress && np.sel.Matches(labels.Set(t.Labels)) {
			out = append(out, np)
		}
	}
	if s.w.Extra.NetworkPolicy != nil {
		np := compileNetpol(s.w.Kind+" "+s.w.Name+" spec.networkPolicy", s.w.Extra.NetworkPolicy)
		np.egress = true // the controller's policy denies what it does not list
		out = append(out, np)
	}
	return out
}

func checkNoEgressPolicy(s *subject) {
	if s.ix.netpolsHidden {
		return // said once, in the report's gaps
	}
	s.forTemplates(func(_ int, t *PodTemplate) {
		sev := s.riskSeverity()
		// NetworkPolicy implementations do not apply to host-network pods.
		if t.Spec.HostNetwork {
			s.emit(RuleNoEgressPolicy, sev, "", s.specPath(t, ".hostNetwork"), s.msg("pod uses hostNetwork", s.where(t), ": NetworkPolicies do not restrict it, so its egress is open"))
			return
		}
		if len(s.egressPolicies(t)) > 0 {
			return
		}
		where := "the namespace"
		if s.ix.offline {
			where = "the input"
		}
		s.emit(RuleNoEgressPolicy, sev, "", t.SpecPath, s.msg("no NetworkPolicy with policyTypes Egress in ", where, " selects the pod", s.where(t), ": it can reach any address, 169.254.169.254 included"))
	})
}

func checkEgressOpen(s *subject) {
	if s.ix.netpolsHidden {
		return // said once, in the report's gaps
	}
	s.forTemplates(func(_ int, t *PodTemplate) {
		for _, np := range s.egressPolicies(t) {
			for i, r := range np.rules {
				if !allDestinations(r.To) || dnsOnly(r.Ports) {
					continue
				}
				sev, what := policy.High, "on every port"
				if len(r.Ports) > 0 {
					sev, what = policy.Medium, "on "+portList(r.Ports)
				}
				s.emit(RuleEgressOpen, sev, "", "", s.msg("NetworkPolicy ", np.name, " egress rule ", strconv.Itoa(i+1), " allows every destination ", what, s.where(t)))
			}
		}
	})
}

func checkEgressMetadata(s *subject) {
	if s.ix.netpolsHidden {
		return // said once, in the report's gaps
	}
	s.forTemplates(func(_ int, t *PodTemplate) {
		for _, np := range s.egressPolicies(t) {
			for i, r := range np.rules {
				if !reachesMetadata(r.To) || !allowsHTTP(r.Ports) {
					continue
				}
				s.emit(RuleEgressMetadata, "", "", "", s.msg("NetworkPolicy ", np.name, " egress rule ", strconv.Itoa(i+1), " allows 169.254.169.254 (cloud metadata)", s.where(t)))
			}
		}
	})
}

// allDestinations: no peers, or an ipBlock covering the whole address space.
func allDestinations(peers []networkingv1.NetworkPolicyPeer) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		if p.IPBlock == nil {
			continue
		}
		if pfx, err := netip.ParsePrefix(p.IPBlock.CIDR); err == nil && pfx.Bits() == 0 {
			return true
		}
	}
	return false
}

// reachesMetadata: some peer's address range holds 169.254.169.254 and no
// except carves it out.
func reachesMetadata(peers []networkingv1.NetworkPolicyPeer) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		if p.IPBlock == nil {
			continue
		}
		pfx, err := netip.ParsePrefix(p.IPBlock.CIDR)
		if err != nil || !pfx.Contains(metadataAddr) {
			continue
		}
		excluded := false
		for _, ex := range p.IPBlock.Except {
			if e, err := netip.ParsePrefix(ex); err == nil && e.Contains(metadataAddr) {
				excluded = true
				break
			}
		}
		if !excluded {
			return true
		}
	}
	return false
}

// dnsOnly: the rule opens port 53 and nothing else.
func dnsOnly(ports []networkingv1.NetworkPolicyPort) bool {
	if len(ports) == 0 {
		return false
	}
	for _, p := range ports {
		if p.Port == nil || p.Port.IntValue() != 53 || (p.EndPort != nil && *p.EndPort != 53) {
			return false
		}
	}
	return true
}

// allowsHTTP: the rule's ports include 80 (the metadata service's), or
// are unrestricted, or are named (which may resolve to 80).
func allowsHTTP(ports []networkingv1.NetworkPolicyPort) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Port == nil {
			return true
		}
		if p.Port.IntValue() == 0 { // a named port
			return true
		}
		lo, hi := p.Port.IntValue(), p.Port.IntValue()
		if p.EndPort != nil {
			hi = int(*p.EndPort)
		}
		if lo <= 80 && 80 <= hi {
			return true
		}
	}
	return false
}

func portList(ports []networkingv1.NetworkPolicyPort) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		switch {
		case p.Port == nil:
			parts = append(parts, "all ports")
		case p.EndPort != nil:
			parts = append(parts, p.Port.String()+"-"+strconv.Itoa(int(*p.EndPort)))
		default:
			parts = append(parts, p.Port.String())
		}
	}
	return "port " + strings.Join(parts, ", ")
}
