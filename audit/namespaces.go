package audit

import "fmt"

// NamespaceAudit audits an inventory one namespace at a time: the index
// is built once from everything but the workloads (nodes, policies,
// RuntimeClasses, RBAC, warm pools), then each namespace's workloads are
// audited as they arrive, in sorted order, and let go. A one-shot live
// audit feeds it while the next namespace's pods are still being listed,
// so it holds one namespace's pods, not the cluster's.
//
// Fed every namespace of an inventory in ascending order, each with its
// workloads in the inventory's order, it hands emit the same results in
// the same order as Stream, and Close returns the same nodes and summary:
// every fact the audit draws across workloads is a namespace's own
// (owners, replicas, warm pools' counts, custom resources' pods) except
// the nodes' pod counts and allocations, which it sums as it goes.
type NamespaceAudit struct {
	e     *Engine
	ix    *index
	sc    *scratch
	s     *subject
	opts  Options
	sum   Summary
	nodes []NodeReport // in index order until Close sorts them
	gaps  []string
	last  string
	fed   bool
	r     Result
}

// AuditByNamespace starts a namespace-at-a-time audit of inv, whose
// Workloads are ignored: Namespace hands them over. Close it to give its
// working memory back to the engine.
func (e *Engine) AuditByNamespace(inv *Inventory, opts Options) *NamespaceAudit {
	base := *inv
	base.Workloads = nil
	ix := newIndex(&base, e.pol)
	sc := e.takeScratch()
	return &NamespaceAudit{e: e, ix: ix, sc: sc, s: sc.subjectFor(e, ix), opts: opts, sum: newSummary(), nodes: nodeBase(ix), gaps: inv.Gaps}
}

// Namespace audits one namespace's workloads in (name, kind) order and
// hands each result to emit as soon as it is ready (the result is reused
// afterwards: emit copies what it keeps). Namespaces must come in
// ascending order, each once, and ws must hold only that namespace's
// workloads, selected and linked as Inventory.Workloads are.
func (a *NamespaceAudit) Namespace(namespace string, ws []Workload, emit func(*Result) error) error {
	if a.fed && namespace <= a.last {
		return fmt.Errorf("namespace %q audited after %q: namespaces must come in ascending order, once each", namespace, a.last)
	}
	a.fed, a.last = true, namespace
	for i := range ws {
		if ws[i].Namespace != namespace {
			return fmt.Errorf("workload %s/%s handed over with namespace %q", ws[i].Namespace, ws[i].Name, namespace)
		}
	}
	ix := a.ix
	// What the index remembers per namespace is let go with it: replicas
	// and warm pools' counts are keyed by namespace, so no later result
	// can read them.
	clear(ix.replicas)
	clear(ix.pssReplicas)
	ix.warm.ws, ix.warm.counted, ix.warm.launched = ws, false, nil
	defer func() { ix.warm.ws = nil }()
	rank := sortedRanks(ws)
	order := make([]int, len(ws))
	for i, k := range rank {
		order[k] = i
	}
	for _, i := range order {
		a.s.reset(&ws[i])
		a.e.auditOne(a.s, a.opts, &a.r)
		a.sum.add(&a.r)
		if err := emit(&a.r); err != nil {
			return err
		}
	}
	tallyNodes(ix, a.nodes, ws)
	return nil
}

// Close returns the report's nodes, summary and gaps (no workloads: they
// went to emit) and gives the working memory back.
func (a *NamespaceAudit) Close() *Report {
	if a.sc != nil {
		a.e.scratch.Put(a.sc)
		a.sc, a.s = nil, nil
	}
	sortNodes(a.nodes)
	return &Report{Nodes: a.nodes, Summary: a.sum, NotVisible: a.gaps}
}
