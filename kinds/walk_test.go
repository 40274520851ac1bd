package kinds_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/remediate"
)

// TestEveryKindIsLoadedAuditedAndFixed walks the registry: for every
// workload kind, its fixture (testdata/<Kind>.yaml) is loaded from files
// into a workload of that kind whose pod templates sit at the registry's
// paths and carry the labels its controller stamps; it is audited; and
// its fix is a patch of the registry's style on the object itself (a
// recreate where the registry says so, an egress policy that lets peers
// reach one another), or, for a kind tiergate does not patch, no change
// at all and its findings left to a human.
func TestEveryKindIsLoadedAuditedAndFixed(t *testing.T) {
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	opts := audit.Options{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	fixtures, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		if !slices.ContainsFunc(kinds.All(), func(k *kinds.Kind) bool { return k.Workload() && k.Fixture() == filepath.Base(f) }) {
			t.Errorf("%s: the fixture of no workload kind of the registry", f)
		}
	}
	for _, k := range kinds.All() {
		if !k.Workload() {
			continue
		}
		t.Run(strings.TrimSuffix(k.Fixture(), ".yaml"), func(t *testing.T) {
			file := filepath.Join("testdata", k.Fixture())
			objs, err := manifest.Read([]string{file}, nil, manifest.ParseOptions{})
			if err != nil {
				t.Fatalf("every workload kind has a fixture: %v", err)
			}
			inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			w := only(t, inv, k)
			checkTemplates(t, k, w)

			rep := e.Audit(inv, opts)
			r := rep.Workload(k.Kind, w.Namespace, w.Name)
			switch {
			case r == nil:
				t.Fatal("not audited")
			case len(w.Templates) > 0 && len(r.Findings) == 0:
				t.Fatalf("the fixture is to have findings to fix: %+v", r)
			}
			if k.RunsToCompletion && !slices.ContainsFunc(r.Evidence, func(ev audit.Evidence) bool { return strings.Contains(ev.Text, "runs to completion") }) {
				t.Errorf("runs to completion, but not in the evidence: %+v", r.Evidence)
			}

			res, err := remediate.Compute(e, inv, rep, remediate.Options{Audit: opts})
			if err != nil {
				t.Fatal(err)
			}
			if k.Patch == kinds.NoPatch || k.Templateless {
				checkLeftToAHuman(t, k, w, res)
				return
			}
			checkPatch(t, k, w, objs, res)
			if k.Peers {
				checkPeers(t, k, w, res)
			}
		})
	}
}

// only is the fixture's one workload of the kind (its group's: a name
// two groups declare resolves to each by apiVersion).
func only(t *testing.T, inv *audit.Inventory, k *kinds.Kind) *audit.Workload {
	t.Helper()
	var found *audit.Workload
	for i := range inv.Workloads {
		if w := &inv.Workloads[i]; w.Kind == k.Kind {
			if got, ok := kinds.ForAPIVersion(w.APIVersion, w.Kind); !ok || got != k {
				t.Fatalf("%s %s resolves to %v", w.APIVersion, w.Kind, got)
			}
			if found != nil {
				t.Fatalf("two %s in the fixture", k.Kind)
			}
			found = w
		}
	}
	if found == nil {
		t.Fatalf("the fixture loads no %s workload", k.Kind)
	}
	return found
}

// checkTemplates: each pod template found is at a path the registry
// declares (in its role), each declared path is found, and each template
// carries the labels the kind's controller stamps on its pods.
func checkTemplates(t *testing.T, k *kinds.Kind, w *audit.Workload) {
	t.Helper()
	seen := make([]bool, len(k.Templates))
	for _, wt := range w.Templates {
		if wt.From == "" && len(k.Templates) > 0 {
			i := slices.IndexFunc(k.Templates, func(kt kinds.Template) bool { return matches(kt, wt) })
			if i < 0 {
				t.Errorf("template %q (role %q) is at no path the registry declares: %+v", wt.SpecPath, wt.Role, k.Templates)
				continue
			}
			seen[i] = true
		}
		for l, v := range k.PodLabels(w.Name, wt.SpecPath) {
			if wt.Labels[l] != v {
				t.Errorf("template %s lacks the label %s=%s its controller stamps: %v", wt.SpecPath, l, v, wt.Labels)
			}
		}
	}
	for i, ok := range seen {
		if !ok {
			t.Errorf("no template found at %s", k.Templates[i].Path)
		}
	}
	if !k.Templateless && len(w.Templates) == 0 {
		t.Error("no pod template")
	}
}

// matches says a workload's template is the registry's: its path, with
// "[*]" any index, and its role (a group's name after the role of a list).
func matches(kt kinds.Template, wt audit.PodTemplate) bool {
	re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(kt.Path), `\[\*\]`, `\[[0-9]+\]`) + "$")
	if !re.MatchString(wt.SpecPath) {
		return false
	}
	if strings.Contains(kt.Path, "[*]") {
		return strings.HasPrefix(wt.Role, kt.Role)
	}
	return wt.Role == kt.Role
}

// checkPatch: one change of the object itself, of the registry's patch
// style, that applies to the object as it is in the file.
func checkPatch(t *testing.T, k *kinds.Kind, w *audit.Workload, objs []manifest.Object, res *remediate.Result) {
	t.Helper()
	target := remediate.Target{APIVersion: w.APIVersion, Kind: k.Kind, Namespace: w.Namespace, Name: w.Name}
	var changes []remediate.Change
	for _, c := range res.Changes {
		if c.Target == target {
			changes = append(changes, c)
		}
	}
	if len(changes) != 1 {
		t.Fatalf("changes of %s: %+v (all: %+v, manual: %+v)", target, changes, res.Changes, res.Manual)
	}
	c := changes[0]
	if c.Recreate != k.Recreate {
		t.Errorf("recreate %v, the registry says %v", c.Recreate, k.Recreate)
	}
	for _, f := range res.Fixes {
		if f.Target == target && f.SpecPath != "" && !slices.ContainsFunc(k.Templates, func(kt kinds.Template) bool {
			return matches(kinds.Template{Path: kt.Path}, audit.PodTemplate{SpecPath: f.SpecPath})
		}) {
			t.Errorf("fix %s at %s, a path the registry does not declare", f.Kind, f.SpecPath)
		}
	}
	var obj []byte
	for _, o := range objs {
		if o.GetKind() == k.Kind && o.GetName() == w.Name {
			var err error
			if obj, err = json.Marshal(o.Object); err != nil {
				t.Fatal(err)
			}
		}
	}
	switch k.Patch {
	case kinds.StrategicMerge:
		if c.PatchType != types.StrategicMergePatchType || k.Typed == nil {
			t.Fatalf("patch type %s, the registry says strategic merge", c.PatchType)
		}
		if _, err := strategicpatch.StrategicMergePatch(obj, c.Patch, k.Typed.New()); err != nil {
			t.Errorf("the strategic merge patch does not apply to the object: %v", err)
		}
	case kinds.JSONPatch:
		if c.PatchType != types.JSONPatchType || len(c.JSONPatch) == 0 {
			t.Fatalf("patch type %s, the registry says JSON patch", c.PatchType)
		}
		p, err := jsonpatch.DecodePatch(c.JSONPatch)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Apply(obj); err != nil {
			t.Errorf("the JSON patch does not apply to the object: %v", err)
		}
	}
}

// checkPeers: the egress policy the fix creates for a kind whose pods
// are peers lets them reach one another, selected by the name label the
// controller stamps where the kind has one.
func checkPeers(t *testing.T, k *kinds.Kind, w *audit.Workload, res *remediate.Result) {
	t.Helper()
	found := false
	for _, f := range res.Fixes {
		np, ok := f.Object.(*networkingv1.NetworkPolicy)
		if f.Kind != remediate.KindNetworkPolicy || !ok || np.Namespace != w.Namespace {
			continue
		}
		for _, rule := range np.Spec.Egress {
			for _, to := range rule.To {
				if to.PodSelector == nil || to.NamespaceSelector != nil {
					continue
				}
				sel := to.PodSelector.MatchLabels
				if k.NameLabel != "" {
					found = found || (len(sel) == 1 && sel[k.NameLabel] == w.Name)
				} else {
					found = found || (len(sel) > 0 && len(rule.Ports) == 0)
				}
			}
		}
	}
	if !found {
		t.Error("no egress policy lets its pods reach one another")
	}
}

// checkLeftToAHuman: no change of the object, and its findings listed
// for a human with the reason.
func checkLeftToAHuman(t *testing.T, k *kinds.Kind, w *audit.Workload, res *remediate.Result) {
	t.Helper()
	for _, c := range res.Changes {
		if c.Target.Kind == k.Kind && c.Target.Name == w.Name {
			t.Errorf("a change of a kind tiergate does not patch: %+v", c)
		}
	}
	name := k.Kind + "/" + w.Namespace + "/" + w.Name
	if len(w.Templates) == 0 {
		return // no pod spec, no finding
	}
	if !slices.ContainsFunc(res.Manual, func(m remediate.Manual) bool { return m.Workload == name && m.Reason != "" }) {
		t.Errorf("no finding of %s left to a human: %+v", name, res.Manual)
	}
}
