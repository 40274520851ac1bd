package bench

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// DefaultTarget names the node's default runtime (no RuntimeClass): the
// baseline every other class is compared with. A RuntimeClass of that
// name, where one exists, is measured instead.
const DefaultTarget = "runc"

// Target is one runtime the bench measures.
type Target struct {
	// Name is the RuntimeClass name, or DefaultTarget for none.
	Name string `json:"name"`
	// Class is the RuntimeClass the pods name; "" for the default runtime.
	Class     string           `json:"runtimeClassName,omitempty"`
	Handler   string           `json:"handler,omitempty"`
	Isolation policy.Isolation `json:"isolation"`
	// Overhead is the RuntimeClass's declared pod overhead.
	Overhead corev1.ResourceList `json:"overhead,omitempty"`
	// Skip says why the target is not measured: the audit's own
	// scheduling and GPU-reach findings on the bench pod.
	Skip string `json:"skip,omitempty"`
}

// Inputs are the cluster objects a plan is made from.
type Inputs struct {
	RuntimeClasses []nodev1.RuntimeClass
	Nodes          []corev1.Node
}

// Request is what the person asked for.
type Request struct {
	// Classes are the targets named by --runtime-classes; empty for the
	// default runtime and every RuntimeClass.
	Classes []string
	Pod     PodOptions
}

// skipRules are the findings that keep a bench pod from running: no node
// takes it, or its GPUs would not reach it. Both come from the audit, so
// the bench skips exactly what the audit reports.
var skipRules = []string{audit.RuleHandlerNotOnNode, audit.RuleNoNodeFits, audit.RuleGPURuntime, audit.RuleGVisorNodeGPU, audit.RuleGPUNotInVM}

// Plan decides the targets, by the person's policy: each named class (an unknown name is an
// error), or the default runtime and every RuntimeClass. The bench pod of
// each is audited against the cluster's nodes and classes: a target the
// nodes cannot run, or whose GPUs would not reach the sandbox, is kept
// with the reason and not measured.
func Plan(pol *policy.Policy, in Inputs, req Request) ([]Target, error) {
	// The bench pod is no LLM workload: the policy's applyToAllPods runs
	// the scheduling and GPU-reach checks on it all the same.
	p := *pol
	p.ApplyToAllPods = true
	e, err := audit.NewEngine(&p)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*nodev1.RuntimeClass, len(in.RuntimeClasses))
	for i := range in.RuntimeClasses {
		byName[in.RuntimeClasses[i].Name] = &in.RuntimeClasses[i]
	}
	names := req.Classes
	if len(names) == 0 {
		names = []string{DefaultTarget}
		for i := range in.RuntimeClasses {
			if n := in.RuntimeClasses[i].Name; n != DefaultTarget {
				names = append(names, n)
			}
		}
		slices.Sort(names[1:])
	}
	targets := make([]Target, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		rc := byName[n]
		switch {
		case rc != nil:
			t := Target{Name: n, Class: n, Handler: rc.Handler}
			if rc.Overhead != nil {
				t.Overhead = rc.Overhead.PodFixed
			}
			targets = append(targets, t)
		case n == DefaultTarget:
			targets = append(targets, Target{Name: n})
		default:
			return nil, fmt.Errorf("no RuntimeClass %q in the cluster (it has: %s)", n, classList(in.RuntimeClasses))
		}
	}
	judge(e, in, req, targets)
	return targets, nil
}

// judge audits each target's bench pod and fills in its isolation and,
// where the audit says it cannot run, why.
func judge(e *audit.Engine, in Inputs, req Request, targets []Target) {
	const ns = "tiergate-bench-plan"
	inv := &audit.Inventory{RuntimeClasses: in.RuntimeClasses, Nodes: in.Nodes, RuntimeClassesComplete: true}
	for i, t := range targets {
		p := Pod(t, ns, i, req.Pod)
		inv.Workloads = append(inv.Workloads, audit.Workload{
			APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: p.Name, Labels: p.Labels,
			Templates: []audit.PodTemplate{{SpecPath: "spec", Labels: p.Labels, Spec: &p.Spec}},
		})
	}
	rep := e.Audit(inv, audit.Options{Now: time.Now()})
	for i := range targets {
		r := rep.Workload("Pod", ns, inv.Workloads[i].Name)
		if r == nil {
			continue
		}
		targets[i].Isolation = r.Isolation
		var why []string
		for _, f := range r.Findings {
			if slices.Contains(skipRules, f.Rule) && (req.Pod.GPUs > 0 || !isGPURule(f.Rule)) {
				why = append(why, f.Rule+": "+f.Message)
			}
		}
		targets[i].Skip = strings.Join(why, "; ")
	}
}

func isGPURule(id string) bool { return strings.HasPrefix(id, "TG-GPU-") }

func classList(rcs []nodev1.RuntimeClass) string {
	if len(rcs) == 0 {
		return "none; " + DefaultTarget + " is the node's default runtime"
	}
	names := make([]string, 0, len(rcs))
	for i := range rcs {
		names = append(names, rcs[i].Name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ") + ", and " + DefaultTarget + " for the node's default runtime"
}
