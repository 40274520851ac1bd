package audit

import (
	"sort"
	"strconv"
	"strings"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	schedcorev1 "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/policy"
)

// Scheduling: whether any node can run the pod.
const (
	RuleHandlerNotOnNode = "TG-SCH-001"
	RuleNoNodeFits       = "TG-SCH-002"
)

func schedulingRules() []Rule {
	return []Rule{
		{
			ID: RuleHandlerNotOnNode, Name: "runtime-handler-not-on-nodes", Category: CatScheduling, Severity: policy.High,
			Title:     "No node reports the runtime handler",
			Rationale: "Nodes list the handlers their runtime offers in status.runtimeHandlers; a pod asking for one no node has stays Pending.",
			Fix:       "Install the runtime (kata-deploy, gVisor) on a node pool or pick another RuntimeClass.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: schedulingAtFault},
			check:     checkHandlerNotOnNodes,
		},
		{
			ID: RuleNoNodeFits, Name: "no-schedulable-node", Category: CatScheduling, Severity: policy.Medium,
			Title:     "No node can run the pod",
			Rationale: "The pod's node selector, affinity, tolerations, RuntimeClass scheduling and GPU requests together match no node.",
			Fix:       "Label or add nodes for the workload, or relax its constraints.",
			Remedy:    Remedy{Kind: RemedyManual, Manual: schedulingAtFault},
			check:     checkNoNodeFits,
		},
	}
}

// fit returns the nodes a template can be scheduled to and, for the
// others, the first reason each was ruled out. It applies what admission
// and the scheduler would: the RuntimeClass's nodeSelector and
// tolerations merged into the pod's, node affinity, taints, the runtime
// handlers nodes report, and GPU allocatable.
func (ix *index) fit(t *PodTemplate, iso templateIso, gpus []GPU, daemon bool) ([]int, map[string]int) {
	if iso.missing {
		return nil, nil // rejected at admission: it never reaches a node
	}
	spec := t.Spec
	selector, tolerations := spec.NodeSelector, spec.Tolerations
	if iso.rc != nil && iso.rc.Scheduling != nil {
		if len(iso.rc.Scheduling.NodeSelector) > 0 {
			selector = make(map[string]string, len(spec.NodeSelector)+len(iso.rc.Scheduling.NodeSelector))
			for k, v := range spec.NodeSelector {
				selector[k] = v
			}
			for k, v := range iso.rc.Scheduling.NodeSelector {
				// The RuntimeClass admission plugin rejects a pod whose own
				// selector says otherwise.
				if pv, ok := spec.NodeSelector[k]; ok && pv != v {
					return nil, map[string]int{"rejected at admission: nodeSelector " + k + "=" + pv + " conflicts with RuntimeClass " + iso.rcName + "'s " + k + "=" + v: len(ix.nodes)}
				}
				selector[k] = v
			}
		}
		tolerations = append(append([]corev1.Toleration(nil), spec.Tolerations...), iso.rc.Scheduling.Tolerations...)
	}
	if daemon {
		tolerations = append(append([]corev1.Toleration(nil), tolerations...), daemonSetTolerations(spec)...)
	}
	affinity := nodeaffinity.NewRequiredNodeAffinity(selector, spec.Affinity)
	var fits []int
	reasons := map[string]int{}
	for i := range ix.nodes {
		n := &ix.nodes[i]
		if why := n.rejects(affinity, tolerations, iso, gpus); why != "" {
			reasons[why]++
			continue
		}
		fits = append(fits, i)
	}
	return fits, reasons
}

func (n *nodeFacts) rejects(affinity nodeaffinity.RequiredNodeAffinity, tolerations []corev1.Toleration, iso templateIso, gpus []GPU) string {
	node := n.node
	// A cordoned node still takes pods that tolerate its taint
	// (DaemonSets get that toleration automatically).
	if node.Spec.Unschedulable && !schedcorev1.TolerationsTolerateTaint(logr.Discard(), tolerations, &unschedulableTaint, false) {
		return "cordoned"
	}
	if ok, err := affinity.Match(node); err != nil || !ok {
		return "node selector or affinity does not match"
	}
	noSchedule := func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
	}
	if taint, found := schedcorev1.FindMatchingUntoleratedTaint(logr.Discard(), node.Spec.Taints, tolerations, noSchedule, false); found {
		return "untolerated taint " + taint.Key + ":" + string(taint.Effect)
	}
	if n.handlers != nil && iso.handler != "" && !n.handlers[iso.handler] {
		return "no runtime handler " + iso.handler
	}
	for _, g := range gpus {
		q, ok := node.Status.Allocatable[corev1.ResourceName(g.Resource)]
		if !ok || q.Value() < g.Count {
			return "not enough " + g.Resource
		}
	}
	return ""
}

// daemonSetTolerations are those the DaemonSet controller adds to its pods.
func daemonSetTolerations(spec *corev1.PodSpec) []corev1.Toleration {
	ts := []corev1.Toleration{
		{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	}
	if spec.HostNetwork {
		ts = append(ts, corev1.Toleration{Key: corev1.TaintNodeNetworkUnavailable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	}
	return ts
}

// unschedulableTaint is what the scheduler treats a cordoned node as having.
var unschedulableTaint = corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}

// checkHandlerNotOnNodes fires only when every node reports its handlers
// and none has this one; nodes that report nothing (older runtimes) might.
func checkHandlerNotOnNodes(s *subject) {
	if s.node != nil || len(s.ix.nodes) == 0 || !s.ix.allNodesReportHandlers {
		return
	}
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		if iso.handler == "" || iso.missing || s.ix.anyNodeHas(iso.handler) {
			return
		}
		s.emit(RuleHandlerNotOnNode, "", "", s.specPath(t, ".runtimeClassName"), s.msg("no node reports runtime handler ", iso.handler, " in status.runtimeHandlers", s.where(t), ": the pod will stay Pending"))
	})
}

func checkNoNodeFits(s *subject) {
	if s.node != nil || len(s.ix.nodes) == 0 {
		return
	}
	s.forTemplates(func(i int, t *PodTemplate) {
		iso := s.isos[i]
		if len(s.fits[i]) > 0 || iso.missing {
			return
		}
		if iso.handler != "" && s.ix.allNodesReportHandlers && !s.ix.anyNodeHas(iso.handler) {
			return // checkHandlerNotOnNodes says it better
		}
		s.emit(RuleNoNodeFits, "", "", t.SpecPath, s.msg("no node can run the pod", s.where(t), ": ", reasonList(s.reasons[i])))
	})
}

func (ix *index) anyNodeHas(handler string) bool {
	for i := range ix.nodes {
		if ix.nodes[i].handlers[handler] {
			return true
		}
	}
	return false
}

func reasonList(reasons map[string]int) string {
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		n := reasons[k]
		parts = append(parts, strconv.Itoa(n)+" node"+textutil.Plural(n, "", "s")+": "+k)
	}
	return strings.Join(parts, "; ")
}
