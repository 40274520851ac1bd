//go:build integration

package pssconformance_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

var cl *testcluster.Cluster

func TestMain(m *testing.M) {
	os.Exit(testcluster.Main(m, &cl, testcluster.Options{}))
}

// reasonRules maps the API server's forbidden reasons (the library's
// ForbiddenReason, as PodSecurity admission prints them) to the tiergate
// rules that may report them.
var reasonRules = map[string][]string{
	"runAsNonRoot != true":              {audit.RuleRunAsRoot},
	"runAsUser=0":                       {audit.RuleRunAsUserRoot},
	"seccompProfile":                    {audit.RuleSeccomp},
	"allowPrivilegeEscalation != false": {audit.RuleEscalation},
	"unrestricted capabilities":         {audit.RuleCapsNotDropped, audit.RuleCapsAdded},
	"non-default capabilities":          {audit.RuleCapsAdded},
	"privileged":                        {audit.RulePrivileged},
	"host namespaces":                   {audit.RuleHostNamespaces},
	"hostPath volumes":                  {audit.RuleHostPath, audit.RuleRuntimeSocket},
	"restricted volume types":           {audit.RuleHostPath, audit.RuleRuntimeSocket, audit.RuleVolumeTypes},
	"hostPort":                          {audit.RuleHostPorts},
	"forbidden sysctls":                 {audit.RuleSysctls},
	"procMount":                         {audit.RuleProcMount},
	"forbidden AppArmor profile":        {audit.RuleAppArmor},
	"forbidden AppArmor profiles":       {audit.RuleAppArmor},
	"seLinuxOptions":                    {audit.RuleSELinux},
	"hostProcess":                       {audit.RuleWindowsHostProcess},
	"probe or lifecycle host":           {audit.RuleProbeHost},
}

// ownRules are tiergate's checks that Pod Security does not have.
var ownRules = []string{audit.RuleWritableRoot, audit.RuleNamespaceRejects}

// template is one pod template of an input file.
type template struct {
	where string // file: Kind/name (role)
	spec  *corev1.PodSpec
	lbls  map[string]string
}

func TestPodSecurityMatchesAdmission(t *testing.T) {
	root, err := testcluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "examples", "*.yaml"))
	// The rule fixtures hold the edge cases of every control.
	files = append(files, yamlFiles(t, filepath.Join(root, "audit", "testdata", "rules"))...)
	if corpus := findCorpus(root); corpus != "" {
		files = append(files, yamlFiles(t, corpus)...)
	} else {
		t.Log("shared/corpus not found above the repository: comparing the examples only")
	}
	templates := readTemplates(t, files)
	if len(templates) < 10 {
		t.Fatalf("only %d pod templates read from %d files", len(templates), len(files))
	}
	c, err := kubernetes.NewForConfig(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []string{policy.PSSRestricted, policy.PSSBaseline} {
		t.Run(level, func(t *testing.T) {
			ns := "pss-" + level
			enforcing(t, c, ns, level)
			e := engine(t, level)
			rejected := 0
			for i, tp := range templates {
				msg := admit(t, c, ns, i, tp)
				if msg == "?" {
					continue // refused for another reason: reported
				}
				if msg != "" {
					rejected++
				}
				compare(t, tp, level, msg, findings(e, tp))
			}
			t.Logf("%s: %d pod templates, %d rejected by the API server", level, len(templates), rejected)
			if level == policy.PSSRestricted && rejected == 0 {
				t.Fatal("the API server rejected nothing at restricted: the namespace label is not enforced")
			}
		})
	}
}

// findCorpus walks up from the repository to a shared/corpus directory.
func findCorpus(root string) string {
	for dir := root; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", "corpus")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

func yamlFiles(t *testing.T, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readTemplates(t *testing.T, files []string) []template {
	var out []template
	for _, f := range files {
		objs, err := manifest.Read([]string{f}, nil, manifest.ParseOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, w := range inv.Workloads {
			for _, pt := range w.Templates {
				if pt.Spec == nil {
					continue
				}
				where := fmt.Sprintf("%s: %s/%s", filepath.Base(f), w.Kind, w.Name)
				if pt.Role != "" {
					where += " (" + pt.Role + ")"
				}
				out = append(out, template{where: where, spec: pt.Spec, lbls: pt.Labels})
			}
		}
	}
	return out
}

// enforcing creates a namespace that enforces level at the latest version
// and waits for its default ServiceAccount (pods need one to be admitted).
func enforcing(t *testing.T, c kubernetes.Interface, ns, level string) {
	ctx := context.Background()
	_, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce":         level,
		"pod-security.kubernetes.io/enforce-version": "latest",
	}}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := c.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{}); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("namespace %s has no default ServiceAccount after 60s", ns)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// admit creates a Pod from the template by server dry run and returns
// the PodSecurity violation the API server reports ("" when admitted).
// Fields Pod Security does not read but other admission plugins check
// against objects this cluster lacks (ServiceAccount, RuntimeClass,
// PriorityClass) are cleared.
func admit(t *testing.T, c kubernetes.Interface, ns string, i int, tp template) string {
	spec := tp.spec.DeepCopy()
	spec.ServiceAccountName, spec.DeprecatedServiceAccount = "", ""
	spec.RuntimeClassName, spec.PriorityClassName, spec.Priority = nil, "", nil
	spec.EphemeralContainers = nil
	spec.NodeName = ""
	// A custom resource's controller fills some fields in (KServe the
	// image and name, agent-sandbox the volumes of volumeClaimTemplates):
	// give the API server a valid pod. Pod Security reads neither images
	// nor names, and a claim's volume is allowed like an emptyDir.
	have := map[string]bool{}
	for _, v := range spec.Volumes {
		have[v.Name] = true
	}
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for j := range cs {
			if cs[j].Image == "" {
				cs[j].Image = "registry.k8s.io/pause:3.10"
			}
			if cs[j].Name == "" {
				cs[j].Name = "unnamed-" + strconv.Itoa(j)
			}
			for _, m := range cs[j].VolumeMounts {
				if !have[m.Name] {
					have[m.Name] = true
					spec.Volumes = append(spec.Volumes, corev1.Volume{Name: m.Name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
				}
			}
		}
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "t" + strconv.Itoa(i), Namespace: ns, Labels: tp.lbls}, Spec: *spec}
	_, err := c.CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err == nil {
		return ""
	}
	var se *apierrors.StatusError
	const marker = "violates PodSecurity "
	if apierrors.IsForbidden(err) && errors.As(err, &se) && strings.Contains(se.ErrStatus.Message, marker) {
		return se.ErrStatus.Message
	}
	t.Errorf("%s: the API server refused the pod for another reason than Pod Security: %v", tp.where, err)
	return "?"
}

// reasons parses `violates PodSecurity "restricted:latest": r1 (d1), r2, ...`
// into the reasons, splitting on the commas outside the details.
func reasons(msg string) []string {
	_, list, ok := strings.Cut(msg, `": `)
	if !ok {
		return nil
	}
	var out []string
	depth, start := 0, 0
	flush := func(end int) {
		item := strings.TrimSpace(list[start:end])
		if r, _, ok := strings.Cut(item, " ("); ok {
			item = r
		}
		if item != "" {
			out = append(out, item)
		}
	}
	for i := 0; i < len(list); i++ {
		switch list[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				flush(i)
				start = i + 1
			}
		}
	}
	flush(len(list))
	return out
}

func engine(t *testing.T, level string) *audit.Engine {
	pol := policy.Default()
	pol.ApplyToAllPods = true // every template, LLM workload or not
	pol.PodSecurity = policy.PodSecurity{Level: level, Version: "latest"}
	e, err := audit.NewEngine(pol)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// findings are tiergate's pod-security findings on the template.
func findings(e *audit.Engine, tp template) []audit.Finding {
	inv := &audit.Inventory{Workloads: []audit.Workload{{
		APIVersion: "v1", Kind: "Pod", Namespace: "pss", Name: "t", Labels: tp.lbls,
		Templates: []audit.PodTemplate{{SpecPath: "spec", Labels: tp.lbls, Spec: tp.spec}},
	}}}
	var out []audit.Finding
	for _, f := range e.Audit(inv, audit.Options{}).Workloads[0].Findings {
		if f.Category == audit.CatPodSecurity && !slices.Contains(ownRules, f.Rule) {
			out = append(out, f)
		}
	}
	return out
}

// compare holds tiergate's findings against the API server's verdict:
// every reason the server gives has a finding of one of its rules, every
// finding's rule is among the reasons' rules, and every container a
// finding names is one the server's message names.
func compare(t *testing.T, tp template, level, msg string, fs []audit.Finding) {
	t.Helper()
	api := reasons(msg)
	allowed := map[string]bool{}
	for _, r := range api {
		rules, ok := reasonRules[r]
		if !ok {
			t.Errorf("%s (%s): the API server gives a reason tiergate does not map: %q in %s", tp.where, level, r, msg)
			continue
		}
		for _, id := range rules {
			allowed[id] = true
		}
		if !slices.ContainsFunc(fs, func(f audit.Finding) bool { return slices.Contains(rules, f.Rule) }) {
			t.Errorf("%s (%s): the API server says %q, tiergate has no %v finding\n  server: %s\n  tiergate: %s", tp.where, level, r, rules, msg, describe(fs))
		}
	}
	for _, f := range fs {
		if !allowed[f.Rule] {
			t.Errorf("%s (%s): tiergate reports %s (%s), the API server does not\n  server: %q", tp.where, level, f.Rule, f.Message, msg)
			continue
		}
		if f.Container != "" && !strings.Contains(msg, strconv.Quote(f.Container)) {
			t.Errorf("%s (%s): tiergate's %s names container %q, the API server's message does not: %s", tp.where, level, f.Rule, f.Container, msg)
		}
	}
}

func describe(fs []audit.Finding) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, f.Rule+" "+f.Message)
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, "; ")
}
