package remediate

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/kinds"
)

// allowList is what a workload's egress policy allows beyond DNS, derived
// from the addresses its configuration points it at, and what the person
// must add by hand.
type allowList struct {
	rules []networkingv1.NetworkPolicyEgressRule
	// derived say, one line each, what each rule allows and why.
	derived []string
	// fillIn are the addresses no rule allows yet, with why not and what
	// to add; cut are their addresses alone, for the warning.
	fillIn, cut []string
}

// ServiceRef names a Service a workload's configuration points at.
type ServiceRef struct{ Namespace, Name string }

// ServiceRefs lists the Services the egress fixes of the report's
// workloads would need (for the caller to read live, Options.Services):
// those their env values and arguments name, in order, each once.
func ServiceRefs(inv *audit.Inventory, rep *audit.Report, sel func(*audit.Result, *audit.Finding) bool) []ServiceRef {
	wants := map[audit.OwnerKey]bool{}
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		for j := range r.Findings {
			if r.Findings[j].Rule == audit.RuleNoEgressPolicy && (sel == nil || sel(r, &r.Findings[j])) {
				wants[keyOf(r.APIVersion, r.Kind, r.Namespace, r.Name)] = true
			}
		}
	}
	seen := map[ServiceRef]bool{}
	var out []ServiceRef
	for i := range inv.Workloads {
		w := &inv.Workloads[i]
		if !wants[keyOf(w.APIVersion, w.Kind, w.Namespace, w.Name)] {
			continue
		}
		for _, t := range w.Templates {
			for _, d := range audit.Destinations(t.Spec) {
				if ref, ok := serviceRef(d.Host, w.Namespace); ok && !seen[ref] {
					seen[ref] = true
					out = append(out, ref)
				}
			}
		}
	}
	return out
}

// serviceRef is the Service an in-cluster host names: NAME.NS.svc[…],
// NAME.NS, or a bare NAME in the pod's namespace.
func serviceRef(host, namespace string) (ServiceRef, bool) {
	if net.ParseIP(host) != nil {
		return ServiceRef{}, false
	}
	if !strings.Contains(host, ".") {
		return ServiceRef{Namespace: namespace, Name: host}, true
	}
	if name, ns, ok := audit.ServiceName(host); ok {
		return ServiceRef{Namespace: ns, Name: name}, true
	}
	return ServiceRef{}, false
}

// egressAllowList derives the allow-list of one pod template from its
// destinations and the Services known (files, or read live).
func (p *planner) egressAllowList(namespace string, spec *corev1.PodSpec) allowList {
	var al allowList
	type ruleKey struct{ ns, sel, port string }
	seen := map[ruleKey]int{}
	for _, d := range audit.Destinations(spec) {
		from := d.From + " of container " + d.Container
		if d.Implied {
			from += ", the client's default endpoint"
		}
		if d.Secret {
			al.fillIn = append(al.fillIn, from+": the address comes from a Secret or ConfigMap tiergate does not read: add a rule for it")
			al.cut = append(al.cut, "the address in "+d.From)
			continue
		}
		if audit.IsMetadata(d.Host) {
			al.derived = append(al.derived, "not allowed: "+d.Address()+" ("+from+"), the cloud metadata server: it hands out the node's credentials")
			continue
		}
		ref, inCluster := serviceRef(d.Host, namespace)
		svc := p.service(ref)
		switch {
		case net.ParseIP(d.Host) != nil:
			al.fillIn = append(al.fillIn, d.Address()+" ("+from+"): an IP address: add an ipBlock for it, or point the variable at a Service name")
			al.cut = append(al.cut, d.Address())
			continue
		case inCluster && svc == nil && (audit.ClusterHost(d.Host) || !strings.Contains(d.Host, ".")):
			al.fillIn = append(al.fillIn, d.Address()+" ("+from+"): Service "+ref.Namespace+"/"+ref.Name+" was not seen: add a rule selecting its pods and their port")
			al.cut = append(al.cut, d.Address())
			continue
		case svc == nil:
			al.fillIn = append(al.fillIn, d.Address()+" ("+from+"): outside the cluster; a NetworkPolicy cannot allow a name: add an ipBlock for its addresses, or send it through an egress proxy the policy allows")
			al.cut = append(al.cut, d.Address())
			continue
		case len(svc.Spec.Selector) == 0:
			al.fillIn = append(al.fillIn, d.Address()+" ("+from+"): Service "+ref.Namespace+"/"+ref.Name+" has no selector (ExternalName or hand-made endpoints): add an ipBlock for what it points at")
			al.cut = append(al.cut, d.Address())
			continue
		}
		sp, ok := servicePort(svc, d.Port)
		if svc.Spec.ClusterIP == corev1.ClusterIPNone && d.Port != 0 {
			// A headless Service's name resolves to the pods themselves:
			// the port the value names is the pods' port.
			sp, ok = corev1.ServicePort{Port: d.Port, TargetPort: intstr.FromInt32(d.Port)}, true
		}
		if !ok {
			al.fillIn = append(al.fillIn, fmt.Sprintf("%s (%s): Service %s/%s has no port %d: add its pods' port", d.Address(), from, ref.Namespace, ref.Name, d.Port))
			al.cut = append(al.cut, d.Address())
			continue
		}
		// A NetworkPolicy sees the pod's port, after the Service's
		// translation: the targetPort (a number, or a named container
		// port, which a policy may name too).
		target := sp.TargetPort
		if target.Type == intstr.Int && target.IntVal == 0 || target.Type == intstr.String && target.StrVal == "" {
			target = intstr.FromInt32(sp.Port)
		}
		proto := sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		key := ruleKey{ref.Namespace, labels.Set(svc.Spec.Selector).String(), target.String() + "/" + string(proto)}
		why := fmt.Sprintf("Service %s/%s port %d → pods' port %s (%s)", ref.Namespace, ref.Name, sp.Port, target.String(), from)
		if i, ok := seen[key]; ok {
			al.derived[i] += "; also " + from
			continue
		}
		seen[key] = len(al.derived)
		al.derived = append(al.derived, why)
		port := target
		al.rules = append(al.rules, networkingv1.NetworkPolicyEgressRule{
			To: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ref.Namespace}},
				PodSelector:       &metav1.LabelSelector{MatchLabels: maps.Clone(svc.Spec.Selector)},
			}},
			Ports: []networkingv1.NetworkPolicyPort{{Protocol: &proto, Port: &port}},
		})
	}
	return al
}

// service is a Service of the input or read live, or nil.
func (p *planner) service(ref ServiceRef) *corev1.Service {
	if ref.Name == "" {
		return nil
	}
	return p.services[ref]
}

// servicePort is the Service's port the destination names: its number,
// or the only port when the destination names none.
func servicePort(svc *corev1.Service, port int32) (corev1.ServicePort, bool) {
	for _, sp := range svc.Spec.Ports {
		if sp.Port == port {
			return sp, true
		}
	}
	if port == 0 && len(svc.Spec.Ports) == 1 {
		return svc.Spec.Ports[0], true
	}
	// A URL without a port gets its scheme's (80, 443); a Service with a
	// single port answers on it whatever the URL says.
	if (port == 80 || port == 443) && len(svc.Spec.Ports) == 1 {
		return svc.Spec.Ports[0], true
	}
	return corev1.ServicePort{}, false
}

// serviceIndex files Services by namespace and name; a later one (read
// live) replaces one of the input.
func serviceIndex(lists ...[]corev1.Service) map[ServiceRef]*corev1.Service {
	out := map[ServiceRef]*corev1.Service{}
	for _, l := range lists {
		for i := range l {
			out[ServiceRef{Namespace: l[i].Namespace, Name: l[i].Name}] = &l[i]
		}
	}
	return out
}

// allowListComment is written into the policy's manifest: what each rule
// allows and where it came from, and what is still to add.
func allowListComment(al allowList) string {
	var b strings.Builder
	if len(al.derived) > 0 {
		b.WriteString("  # Derived by tiergate from the pods' configuration:\n")
		for _, d := range al.derived {
			b.WriteString("  #   " + comment(d) + "\n")
		}
	}
	if len(al.fillIn) > 0 {
		b.WriteString("  # FILL IN before applying, or these stay unreachable:\n")
		for _, f := range al.fillIn {
			b.WriteString("  #   " + comment(f) + "\n")
		}
	}
	b.WriteString(allowListHint)
	return b.String()
}

// egressPlan is the fix's one-sentence plan: what the policy allows.
func egressPlan(name string, al allowList) string {
	s := "Create NetworkPolicy " + name + ": egress to cluster DNS"
	switch n := len(al.rules); {
	case n > 0:
		s += fmt.Sprintf(" and %d destination%s derived from the pods' configuration", n, textutil.Plural(n, "", "s"))
	default:
		s += " only (no destination derived from the pods' configuration)"
	}
	if n := len(al.fillIn); n > 0 {
		s += fmt.Sprintf("; %d to fill in", n)
	}
	return s + "."
}

// egressWarnings say loudly what the policy would cut the pods off from
// if applied as it is (what it allows, the manifest and the diff say).
func egressWarnings(al allowList) []string {
	var out []string
	if len(al.cut) > 0 {
		out = append(out, "applied as it is, this cuts the pods off from "+strings.Join(al.cut, ", ")+": fill in the rules the manifest lists first")
	}
	if len(al.rules) == 0 && len(al.cut) == 0 {
		out = append(out, "the pods' configuration names no destination: they reach nothing but DNS; add the model gateway, telemetry and the APIs they call if they use any")
	}
	return out
}

// peers lets the pods of a kind whose pods are peers (a StatefulSet, a
// LeaderWorkerSet) reach one another, on every port: their members
// replicate, elect and shard over ports no env value names (Qdrant's
// cluster port, NCCL), and a policy that cut them apart would break the
// workload it fixes.
func peers(al *allowList, apiVersion, kind string, sel map[string]string) {
	k, ok := kinds.ForAPIVersion(apiVersion, kind)
	if !ok || !k.Peers {
		return
	}
	own := sel
	// Templates that differ (a leader and workers) share the label that
	// names the object, or those the controller puts on all its pods.
	if n, ok := sel[k.NameLabel]; ok && k.NameLabel != "" {
		own = map[string]string{k.NameLabel: n}
	} else if k.PeerLabels != nil {
		own = k.PeerLabels
		var sel []string
		for l, v := range own {
			sel = append(sel, l+"="+v)
		}
		slices.Sort(sel)
		al.rules = append(al.rules, networkingv1.NetworkPolicyEgressRule{
			To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: maps.Clone(own)}}},
		})
		// Wider than its own pods: say so, and how to narrow it.
		al.derived = append(al.derived, "the namespace's pods labelled "+strings.Join(sel, ",")+", every port ("+kind+" peers; the name its pods carry is generated: narrow this to them once known)")
		return
	}
	al.rules = append(al.rules, networkingv1.NetworkPolicyEgressRule{
		To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: maps.Clone(own)}}},
	})
	al.derived = append(al.derived, "its own pods, every port ("+kind+" peers: replication, membership, sharding)")
}
