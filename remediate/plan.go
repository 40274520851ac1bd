package remediate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/policy"
)

// Options choose what to fix.
type Options struct {
	// Select keeps the findings to fix; nil keeps every finding.
	Select func(r *audit.Result, f *audit.Finding) bool
	// Audit are the options the report was made with (exemptions expire
	// by its Now); the re-audits of patched objects use them too.
	Audit audit.Options
	// Owners are the live objects fixes target, as read from the cluster
	// (OwnerTargets says which). A pod's fix is then computed from its
	// owner's pod template, not from the pod's spec, which may hold
	// containers a webhook injected (istio-proxy, vault-agent) that the
	// owner does not have. Without it (files, or an owner the user may not
	// read), the pod's spec is used.
	Owners map[Target]*audit.Workload
	// Services are Services read live that the workloads' configuration
	// points at (ServiceRefs says which), beyond the inventory's: the
	// egress fixes allow their pods.
	Services []corev1.Service
}

// OwnerTargets lists the owners that fixes of the report's pods would
// patch (pods with a finding sel keeps), for the caller to read
// (Options.Owners).
func OwnerTargets(inv *audit.Inventory, rep *audit.Report, sel func(*audit.Result, *audit.Finding) bool) []Target {
	wanted := map[audit.OwnerKey]bool{}
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		for j := range r.Findings {
			if sel == nil || sel(r, &r.Findings[j]) {
				wanted[keyOf(r.APIVersion, r.Kind, r.Namespace, r.Name)] = true
				break
			}
		}
	}
	seen := map[Target]bool{}
	var out []Target
	for i := range inv.Workloads {
		w := &inv.Workloads[i]
		if w.Owner == nil || !wanted[keyOf(w.APIVersion, w.Kind, w.Namespace, w.Name)] {
			continue
		}
		if pt, _, ok := target(w); ok && !seen[pt.Target] {
			seen[pt.Target] = true
			out = append(out, pt.Target)
		}
	}
	return out
}

// stillInOwner keeps the findings the owner's template still has; the
// others are listed as fixed there already.
func (p *planner) stillInOwner(w *audit.Workload, r *audit.Result, fs []audit.Finding) []audit.Finding {
	return p.inOwner(r, fs, p.auditAsIs(w).Findings, w.Templates, "its owner's pod template", "its owner's pod template")
}

// ownerInstead turns the fix of a custom resource's pod into the fix of
// the resource (read from the cluster): the resource's own findings, as
// chosen, are fixed; the pod's findings it no longer has are listed as
// fixed already or injected. ok is false when nothing is left to fix.
func (p *planner) ownerInstead(o *audit.Workload, r *audit.Result, fs []audit.Finding, sel func(*audit.Result, *audit.Finding) bool) (*audit.Workload, *audit.Result, []audit.Finding, patchTarget, bool) {
	pt, why, ok := target(o)
	if !ok {
		p.manual(r, fs, why)
		return nil, nil, nil, pt, false
	}
	or := p.auditAsIs(o)
	var ofs []audit.Finding
	for i := range or.Findings {
		if sel == nil || sel(&or, &or.Findings[i]) {
			ofs = append(ofs, or.Findings[i])
		}
	}
	p.inOwner(r, fs, ofs, o.Templates, pt.Target.String(), pt.Target.String()+"'s pod templates")
	return o, &or, ofs, pt, len(ofs) > 0
}

// inOwner keeps the pod's findings that its owner still has (now, the
// owner's audit); the others are left to a human: fixed in the owner
// already (the pod predates the change), or about a container the
// owner's templates lack (a webhook injected it).
func (p *planner) inOwner(r *audit.Result, fs, now []audit.Finding, templates []audit.PodTemplate, fixedIn, notIn string) []audit.Finding {
	var out []audit.Finding
	for _, f := range fs {
		if slices.ContainsFunc(now, func(x audit.Finding) bool { return x.Rule == f.Rule && x.Container == f.Container }) {
			out = append(out, f)
			continue
		}
		why := "already fixed in " + fixedIn + "; this pod is from before the change (the rollout replaces it)"
		if f.Container != "" && !slices.ContainsFunc(templates, func(t audit.PodTemplate) bool { return container(t.Spec, f.Container) != nil }) {
			why = "container " + f.Container + " is not in " + notIn + " (a webhook injects it): fix it where it is injected"
		}
		p.out.Manual = append(p.out.Manual, Manual{Workload: workloadKey(r.Kind, r.Namespace, r.Name), Rule: f.Rule, Message: f.Message, Reason: why})
	}
	return out
}

// fromOwner returns the pod workload with its owner's pod template in the
// place of its own spec, when the owner was read and has one template.
func fromOwner(w *audit.Workload, pt patchTarget, owners map[Target]*audit.Workload) (*audit.Workload, patchTarget) {
	o := owners[pt.Target]
	if o == nil || w.Owner == nil || len(o.Templates) != 1 || o.Templates[0].Spec == nil || len(w.Templates) != 1 {
		return w, pt
	}
	c := *w
	c.Templates = []audit.PodTemplate{w.Templates[0]}
	c.Templates[0].Spec, c.Templates[0].SpecPath = o.Templates[0].Spec, o.Templates[0].SpecPath
	pt.specPaths = []string{o.Templates[0].SpecPath}
	return &c, pt
}

// planner holds what every fix is computed from.
type planner struct {
	e    *audit.Engine
	pol  *policy.Compiled
	inv  *audit.Inventory
	opts audit.Options
	out  *Result
	// npNames are NetworkPolicy names taken, per namespace.
	npNames map[string]map[string]bool
	// planned are the RuntimeClasses fixes create, by name: one class
	// serves every workload that needs it.
	planned map[string]*nodev1.RuntimeClass
	// byNamespace lists the workloads of each namespace, to check that a
	// new NetworkPolicy selects only the pods it is for.
	byNamespace map[string][]*audit.Workload
	// accounts are the ServiceAccounts fixed instead of pod templates.
	accounts map[string]*saFix
	// owners caches each workload's target (ownerOf).
	owners map[*audit.Workload]Target
	// services are the Services known (the input's, and those read live),
	// to turn the addresses a workload is pointed at into egress rules.
	services map[ServiceRef]*corev1.Service
}

// Compute returns the fixes for the findings of rep, an audit of inv by
// e. It reads its inputs and never changes them: every fix is computed on
// a DeepCopy and checked by auditing the changed object again.
func Compute(e *audit.Engine, inv *audit.Inventory, rep *audit.Report, opts Options) (*Result, error) {
	p := &planner{e: e, pol: e.Policy(), inv: inv, opts: opts.Audit, out: &Result{},
		npNames: map[string]map[string]bool{}, planned: map[string]*nodev1.RuntimeClass{}, byNamespace: map[string][]*audit.Workload{},
		owners: map[*audit.Workload]Target{}, services: serviceIndex(inv.Services, opts.Services)}
	for i := range inv.Workloads {
		w := &inv.Workloads[i]
		p.byNamespace[w.Namespace] = append(p.byNamespace[w.Namespace], w)
	}
	p.accounts = p.tokenAccounts(rep, opts.Select)
	for _, np := range inv.NetworkPolicies {
		p.takeNP(np.Namespace, np.Name)
	}
	byKey := make(map[audit.OwnerKey]*audit.Workload, len(inv.Workloads))
	for i := range inv.Workloads {
		w := &inv.Workloads[i]
		byKey[keyOf(w.APIVersion, w.Kind, w.Namespace, w.Name)] = w
	}
	done := map[Target]bool{}
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		var fs []audit.Finding
		for j := range r.Findings {
			if opts.Select == nil || opts.Select(r, &r.Findings[j]) {
				fs = append(fs, r.Findings[j])
			}
		}
		w := byKey[keyOf(r.APIVersion, r.Kind, r.Namespace, r.Name)]
		if len(fs) == 0 || w == nil {
			continue
		}
		pt, why, ok := target(w)
		if !ok {
			p.manual(r, fs, why)
			continue
		}
		if done[pt.Target] {
			continue // another replica of the same owner
		}
		done[pt.Target] = true
		if pt.json && pt.Kind != w.Kind {
			// A pod of a custom resource: the resource itself is fixed, as
			// read from the cluster, every template at once.
			o := opts.Owners[pt.Target]
			if o == nil {
				p.manual(r, fs, "owned by "+pt.Target.String()+", which was not read from the cluster: its JSON patch needs the object itself")
				continue
			}
			var ok bool
			if w, r, fs, pt, ok = p.ownerInstead(o, r, fs, opts.Select); !ok {
				continue
			}
		} else if ow, opt := fromOwner(w, pt, opts.Owners); ow != w {
			// A finding the owner's template no longer has was fixed
			// already: the pod is from before the change.
			w, pt = ow, opt
			fs = p.stillInOwner(w, r, fs)
		}
		if err := p.fixWorkload(w, r, fs, pt); err != nil {
			return nil, fmt.Errorf("%s: %w", pt.Target, err)
		}
	}
	p.accountFixes()
	return p.out, nil
}

func workloadKey(kind, ns, name string) string { return kind + "/" + ns + "/" + name }

// keyOf matches a report's result to its workload, and workloads to one
// another: by group too, where workloadKey names it for people (two
// groups' Sandboxes may share a namespace and a name).
func keyOf(apiVersion, kind, ns, name string) audit.OwnerKey {
	return audit.KeyOf(apiVersion, kind, ns, name)
}

func (p *planner) manual(r *audit.Result, fs []audit.Finding, why string) {
	for _, f := range fs {
		p.out.Manual = append(p.out.Manual, Manual{Workload: workloadKey(r.Kind, r.Namespace, r.Name), Rule: f.Rule, Message: f.Message, Reason: why})
	}
}

// workloadFix is what the fixes of one workload are built into.
type workloadFix struct {
	w     *audit.Workload
	r     *audit.Result
	pt    patchTarget
	name  string            // "Kind/ns/name" of the audited workload
	specs []*corev1.PodSpec // every patch fix at once, per template
	add   added
	fixes []Fix
	// handled are findings already left to a human, by key.
	handled map[string]bool
}

func findingKey(f audit.Finding) string { return f.Rule + "\x00" + f.Container + "\x00" + f.Path }

// fixWorkload computes the fixes for one workload's findings, one per
// kind and pod template, and the change they add up to on the target.
func (p *planner) fixWorkload(w *audit.Workload, r *audit.Result, fs []audit.Finding, pt patchTarget) error {
	wf := &workloadFix{w: w, r: r, pt: pt, name: workloadKey(r.Kind, r.Namespace, r.Name), handled: map[string]bool{}}
	for i := range w.Templates {
		wf.specs = append(wf.specs, w.Templates[i].Spec.DeepCopy())
	}
	for ti := range w.Templates {
		if err := p.fixTemplate(wf, ti, inTemplate(fs, w, ti)); err != nil {
			return err
		}
	}
	p.enforceCleared(wf, fs)
	for _, f := range fs {
		if wf.handled[findingKey(f)] || resolvedBy(wf.fixes, f) {
			continue
		}
		p.leave(wf, f, manualReason(f))
	}
	if len(wf.fixes) == 0 {
		return nil
	}
	p.verify(wf)
	change := Change{Target: pt.Target, Recreate: recreate(pt)}
	var merge map[string]any
	var ops []any
	for ti := range w.Templates {
		orig, all := w.Templates[ti].Spec, wf.specs[ti]
		sp, err := specPatch(orig, all, pt.specPaths[ti])
		if err != nil {
			return err
		}
		if merge, err = mergeNested(merge, sp); err != nil {
			return err
		}
		if pt.json {
			o, err := jsonOps(orig, all, pt.specPaths[ti])
			if err != nil {
				return err
			}
			ops = append(ops, o...)
		}
	}
	if merge != nil {
		var err error
		if change.Patch, err = json.Marshal(merge); err != nil {
			return err
		}
		change.PatchType = types.StrategicMergePatchType
		if pt.json {
			change.PatchType = types.JSONPatchType
			if change.JSONPatch, err = json.Marshal(ops); err != nil {
				return err
			}
		}
		p.out.Changes = append(p.out.Changes, change)
	}
	p.out.Fixes = append(p.out.Fixes, wf.fixes...)
	return nil
}

// recreate says the target's pod spec cannot change in place: a pod, or a
// Job (its template is immutable).
func recreate(pt patchTarget) bool {
	k, ok := kinds.ForAPIVersion(pt.APIVersion, pt.Kind)
	return ok && k.Recreate
}

// inTemplate keeps the findings about one pod template: their path is in
// it. A workload with one template owns every finding.
func inTemplate(fs []audit.Finding, w *audit.Workload, ti int) []audit.Finding {
	if len(w.Templates) == 1 {
		return fs
	}
	prefix := w.Templates[ti].SpecPath
	var out []audit.Finding
	for _, f := range fs {
		if f.Path == prefix || strings.HasPrefix(f.Path, prefix+".") {
			out = append(out, f)
		}
	}
	return out
}

func (p *planner) leave(wf *workloadFix, f audit.Finding, why string) {
	wf.handled[findingKey(f)] = true
	p.out.Manual = append(p.out.Manual, Manual{Workload: wf.name, Rule: f.Rule, Message: f.Message, Reason: why})
}

// fixTemplate computes the fixes of one pod template.
func (p *planner) fixTemplate(wf *workloadFix, ti int, fs []audit.Finding) error {
	w, r, pt := wf.w, wf.r, wf.pt
	orig := w.Templates[ti].Spec
	where := ""
	if len(w.Templates) > 1 && w.Templates[ti].Role != "" {
		where = " (" + w.Templates[ti].Role + ")"
	}
	newFix := func(k Kind, plan string, resolves []audit.Finding) Fix {
		f := Fix{Kind: k, Target: pt.Target, Workload: wf.name, Plan: plan, SpecPath: pt.specPaths[ti], Recreate: recreate(pt)}
		for _, x := range resolves {
			f.Resolves = append(f.Resolves, Resolved{Rule: x.Rule, Container: x.Container, Path: x.Path})
		}
		return f
	}
	patched := func(f Fix, mod *corev1.PodSpec) (Fix, error) {
		var err error
		if pt.json {
			var ops []any
			if ops, err = jsonOps(orig, mod, f.SpecPath); err == nil {
				f.PatchType = types.JSONPatchType
				f.Patch, err = json.Marshal(ops)
			}
			return f, err
		}
		f.PatchType = types.StrategicMergePatchType
		f.Patch, err = specPatch(orig, mod, f.SpecPath)
		return f, err
	}
	object := func(f Fix, t Target, obj runtime.Object, manifest []byte) Fix {
		f.Target, f.SpecPath, f.PatchType, f.Recreate = t, "", "", false
		f.Object, f.Manifest = obj, manifest
		return f
	}
	byRule := func(rules ...string) []audit.Finding {
		var out []audit.Finding
		for _, f := range fs {
			if slices.Contains(rules, f.Rule) {
				out = append(out, f)
			}
		}
		return out
	}

	// Isolation: raise runtimeClassName to the tier's minimum.
	if rt := byRule(runtimeRules...); len(rt) > 0 {
		c := p.chooseRuntime(w, r, ti)
		if c.why != "" {
			for _, f := range rt {
				p.leave(wf, f, c.why)
			}
		} else {
			if c.create != nil {
				manifest, err := runtimeClassManifest(c.create)
				if err != nil {
					return err
				}
				nf := object(newFix(KindNewRuntimeClass, "Create RuntimeClass "+c.create.Name+" (handler "+c.create.Handler+", "+string(c.rule.Isolation)+") for "+string(r.Type)+" workloads that need "+string(r.RequiredIsolation)+".", nil),
					targetOf(kinds.RuntimeClass, "", c.create.Name), c.create, manifest)
				nf.Warnings, nf.RuntimeClass = c.warnings, c.create.Name
				wf.fixes = append(wf.fixes, nf)
				p.planned[c.create.Name] = c.create
			}
			// Scheduling findings the new class clears (a RuntimeClass
			// that brings the toleration of its nodes) are resolved too.
			for _, f := range byRule(schedulingRules...) {
				if !slices.ContainsFunc(c.after.Findings, func(x audit.Finding) bool { return x.Rule == f.Rule && x.Path == f.Path }) {
					rt = append(rt, f)
				}
			}
			mod := orig.DeepCopy()
			mod.RuntimeClassName = ptr.To(c.class)
			wf.specs[ti].RuntimeClassName = ptr.To(c.class)
			f := newFix(KindRuntime, "Set runtimeClassName"+where+" to "+c.class+" ("+string(c.rule.Isolation)+") to meet the "+string(r.Type)+" tier ("+string(r.RequiredIsolation)+").", rt)
			f.RuntimeClass = c.class
			if c.create == nil {
				f.Warnings = c.warnings
			}
			if len(c.pending) > 0 {
				f.Pending = true
				f.Warnings = append(f.Warnings, "would leave the pod Pending: "+c.pending[0].Message)
			}
			f, err := patched(f, mod)
			if err != nil {
				return err
			}
			wf.fixes = append(wf.fixes, f)
		}
	}

	// Pod security: harden securityContexts.
	if ps := byRule(hardenRules...); len(ps) > 0 {
		mod := orig.DeepCopy()
		done, left, warnings := harden(mod, ps)
		harden(wf.specs[ti], ps)
		for _, l := range left {
			p.leave(wf, l.f, l.why)
		}
		if len(done) > 0 {
			f := newFix(KindSecurityContext, "Harden the securityContext"+where+": "+strings.Join(hardenWhat(done), ", ")+".", done)
			f.Warnings = warnings
			f, err := patched(f, mod)
			if err != nil {
				return err
			}
			wf.fixes = append(wf.fixes, f)
		}
	}

	// Identity: stop mounting the service account token, on the
	// ServiceAccount when every pod that takes its token from it is being
	// fixed, else on the pod template.
	if tk := byRule(audit.RuleTokenAutomount); len(tk) > 0 && p.tokenAccount(w, orig) != nil {
		a := p.tokenAccount(w, orig)
		a.resolves = append(a.resolves, tk...)
		// Named by what the user would change: the owner, not each replica.
		if user := wf.pt.Target.String(); !slices.Contains(a.users, user) {
			a.users = append(a.users, user)
		}
		for _, f := range tk {
			wf.handled[findingKey(f)] = true
		}
	} else if len(tk) > 0 {
		mod := orig.DeepCopy()
		mod.AutomountServiceAccountToken = ptr.To(false)
		wf.specs[ti].AutomountServiceAccountToken = ptr.To(false)
		f := newFix(KindToken, "Set automountServiceAccountToken: false on the pod template"+where+".", tk)
		f.Warnings = []string{"if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead"}
		f, err := patched(f, mod)
		if err != nil {
			return err
		}
		wf.fixes = append(wf.fixes, f)
	}

	// Network: an egress policy for the template's pods.
	if nw := byRule(audit.RuleNoEgressPolicy); len(nw) > 0 {
		sel := stableLabels(w.Templates[ti].Labels)
		base := policyName(pt.Name, "")
		if where != "" {
			base = policyName(pt.Name, w.Templates[ti].Role)
		}
		other := p.alsoSelects(pt, w, sel)
		switch {
		case strings.HasSuffix(nw[0].Path, ".hostNetwork"):
			p.leave(wf, nw[0], "the pod uses hostNetwork, which NetworkPolicies do not restrict: drop hostNetwork first")
		case len(sel) == 0:
			p.leave(wf, nw[0], "the pod template has no labels a NetworkPolicy could select it by: add one first")
		case other != "":
			p.leave(wf, nw[0], "its pod labels also select "+other+", whose egress a policy for this workload would cut: give the pods a label of their own first")
		default:
			al := p.egressAllowList(pt.Namespace, orig)
			peers(&al, pt.Target.APIVersion, pt.Target.Kind, sel)
			np := egressPolicy(pt.Namespace, p.npName(pt.Namespace, base), sel, al.rules)
			manifest, err := networkPolicyManifest(np, al)
			if err != nil {
				return err
			}
			f := object(newFix(KindNetworkPolicy, egressPlan(np.Name, al), nw),
				targetOf(kinds.NetworkPolicy, pt.Namespace, np.Name), np, manifest)
			f.Warnings, f.CutsOff = egressWarnings(al), al.cut
			wf.fixes = append(wf.fixes, f)
			wf.add.networkPolicies = append(wf.add.networkPolicies, *np)
		}
	}
	return nil
}

// enforceCleared credits a namespace enforce finding (TG-PSS-011) to the
// securityContext fix of its template when the re-audit with every fix
// applied no longer reports it: the fixes make the pods admissible.
func (p *planner) enforceCleared(wf *workloadFix, fs []audit.Finding) {
	var after *audit.Result
	for _, f := range fs {
		if f.Rule != audit.RuleNamespaceRejects || wf.handled[findingKey(f)] {
			continue
		}
		if after == nil {
			r := p.reaudit(wf.w, wf.specs, wf.add)
			after = &r
		}
		if slices.ContainsFunc(after.Findings, func(x audit.Finding) bool { return x.Rule == f.Rule && x.Path == f.Path }) {
			continue
		}
		for i := len(wf.fixes) - 1; i >= 0; i-- {
			fx := &wf.fixes[i]
			if fx.Kind == KindSecurityContext && strings.HasPrefix(f.Path, fx.SpecPath) {
				fx.Resolves = append(fx.Resolves, Resolved{Rule: f.Rule, Container: f.Container, Path: f.Path})
				break
			}
		}
	}
}

// verify re-audits the workload with every fix applied and adds a warning
// to a fix whose finding the re-audit still reports.
func (p *planner) verify(wf *workloadFix) {
	res := p.reaudit(wf.w, wf.specs, wf.add)
	fixes := wf.fixes
	for i := range fixes {
		for _, rs := range fixes[i].Resolves {
			for _, f := range res.Findings {
				// Same rule and container, in the same pod template (a
				// leader and a worker may both name their container vllm).
				if f.Rule == rs.Rule && f.Container == rs.Container && strings.HasPrefix(f.Path, fixes[i].SpecPath) {
					fixes[i].Warnings = append(fixes[i].Warnings, "the re-audit still reports "+f.Rule+": "+f.Message)
				}
			}
		}
	}
}

func resolvedBy(fixes []Fix, f audit.Finding) bool {
	for _, x := range fixes {
		for _, r := range x.Resolves {
			if r.Rule == f.Rule && r.Container == f.Container && r.Path == f.Path {
				return true
			}
		}
	}
	return false
}

// npName returns base, or base-2, base-3, … while a policy of that name
// exists in the namespace or is planned.
func (p *planner) npName(ns, base string) string {
	name := base
	for n := 2; p.npNames[ns][name]; n++ {
		name = base + "-" + strconv.Itoa(n)
	}
	p.takeNP(ns, name)
	return name
}

// ownerOf is the object a workload's fixes go to, worked out once.
func (p *planner) ownerOf(w *audit.Workload) Target {
	if t, ok := p.owners[w]; ok {
		return t
	}
	pt, _, _ := target(w)
	p.owners[w] = pt.Target
	return pt.Target
}

// policyName is NAME[-ROLE]-egress as a valid object name: lower case,
// other characters as "-", at most 253 characters (a role such as
// "workerGroupSpecs[0]" becomes "workergroupspecs-0").
func policyName(name, role string) string {
	clean := strings.Trim(lowerName(role, '-'), "-")
	n := name
	if clean != "" {
		n += "-" + clean
	}
	return n[:min(len(n), 240)] + "-egress"
}

// alsoSelects names a workload of another owner in the namespace whose
// pods the selector would match, or "".
func (p *planner) alsoSelects(pt patchTarget, self *audit.Workload, sel map[string]string) string {
	s := labels.SelectorFromSet(sel)
	for _, x := range p.byNamespace[pt.Namespace] {
		if x == self {
			continue
		}
		if p.ownerOf(x) == pt.Target {
			continue // a replica of the same owner
		}
		for _, t := range x.Templates {
			if s.Matches(labels.Set(t.Labels)) {
				return x.Kind + "/" + x.Name
			}
		}
	}
	return ""
}

func (p *planner) takeNP(ns, name string) {
	if p.npNames[ns] == nil {
		p.npNames[ns] = map[string]bool{}
	}
	p.npNames[ns][name] = true
}

// manualReason says why tiergate computes no fix for a finding: its
// rule's reason.
func manualReason(f audit.Finding) string {
	if r, ok := audit.RuleByID(f.Rule); ok && r.Remedy.Manual != "" {
		return r.Remedy.Manual
	}
	return "no automatic fix for this rule"
}
