package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cmd"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

const chart = "helm/tiergate"

// allEnabled turns on every optional object of the chart.
var allEnabled = []string{"--set", "serviceMonitor.enabled=true", "--set", "grafanaDashboard.enabled=true",
	"--set", "networkPolicy.enabled=true", "--set", "reports=openreports", "--set", "scope.selector=tier!=dev"}

// helmBin is bin/helm (make helm), or TIERGATE_HELM. Missing, the test
// skips with the reason, except in CI, where it fails: CI must run it.
func helmBin(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("TIERGATE_HELM"), "../bin/helm"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			abs, _ := filepath.Abs(p)
			return abs
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no bin/helm: make helm builds it (CI must run the chart's tests)")
	}
	t.Skip("no bin/helm: make helm builds it (helm.sh/helm/v4 from the Go module proxy)")
	return ""
}

// template runs helm template on the chart and returns the objects.
func template(t *testing.T, args ...string) []*unstructured.Unstructured {
	t.Helper()
	out, err := templateRaw(t, args...)
	if err != nil {
		t.Fatalf("helm template %v: %v", args, err)
	}
	return decode(t, out)
}

func templateRaw(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	c := exec.Command(helmBin(t), append([]string{"template", "tg", chart, "--namespace", "tiergate-system"}, args...)...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		return nil, errors.New(strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func decode(t *testing.T, raw []byte) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	for {
		var m map[string]any
		if err := d.Decode(&m); errors.Is(err, io.EOF) {
			return objs
		} else if err != nil {
			t.Fatal(err)
		}
		if m != nil {
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
}

// find returns the one object of a kind and name suffix, converted into out.
func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string, out any) bool {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && (name == "" || o.GetName() == name) {
			if out != nil {
				b, err := yaml.Marshal(o.Object)
				if err != nil {
					t.Fatal(err)
				}
				if err := yaml.UnmarshalStrict(b, out); err != nil {
					t.Fatalf("%s %s: %v", kind, o.GetName(), err)
				}
			}
			return true
		}
	}
	return false
}

// deployRBAC reads a ClusterRole's rules from deploy/rbac.
func deployRBAC(t *testing.T, file string) []rbacv1.PolicyRule {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cr rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(raw, &cr); err != nil {
		t.Fatal(err)
	}
	return cr.Rules
}

// TestChartReadOnlyRulesAreDeployRBAC: the chart's read-only ClusterRole
// grants exactly deploy/rbac/tiergate-readonly.yaml's rules, bound
// cluster-wide for -A and in the one namespace otherwise.
func TestChartReadOnlyRulesAreDeployRBAC(t *testing.T) {
	want := deployRBAC(t, "rbac/tiergate-readonly.yaml")
	for _, tc := range []struct {
		name        string
		args        []string
		bindingKind string
		bindingNS   string
	}{
		{"every namespace", nil, "ClusterRoleBinding", ""},
		{"one namespace", []string{"--set", "scope.allNamespaces=false", "--set", "scope.namespace=llm"}, "RoleBinding", "llm"},
		{"the release's namespace", []string{"--set", "scope.allNamespaces=false"}, "RoleBinding", "tiergate-system"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := template(t, tc.args...)
			var cr rbacv1.ClusterRole
			if !find(t, objs, "ClusterRole", "tg-tiergate-readonly", &cr) {
				t.Fatal("no read-only ClusterRole")
			}
			if !reflect.DeepEqual(cr.Rules, want) {
				got, _ := yaml.Marshal(cr.Rules)
				exp, _ := yaml.Marshal(want)
				t.Fatalf("the chart's read-only rules differ from deploy/rbac/tiergate-readonly.yaml:\n%s\nwant:\n%s", got, exp)
			}
			var b rbacv1.RoleBinding // a ClusterRoleBinding has the same fields
			if !find(t, objs, tc.bindingKind, "tg-tiergate-readonly", &b) {
				t.Fatalf("no %s", tc.bindingKind)
			}
			if b.Namespace != tc.bindingNS || b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != cr.Name ||
				len(b.Subjects) != 1 || b.Subjects[0].Name != "tg-tiergate" || b.Subjects[0].Namespace != "tiergate-system" {
				t.Errorf("%s: %+v", tc.bindingKind, b)
			}
		})
	}
}

// TestChartReportRules: report writing is granted on the kinds --reports
// writes, with the verbs deploy/rbac gives it, and not at all for none;
// a value serve does not know fails the render.
func TestChartReportRules(t *testing.T) {
	verbs := []string{"get", "list", "watch", "create", "patch", "update", "delete"}
	for _, tc := range []struct {
		reports, scope string
		kind           string
		want           []rbacv1.PolicyRule
	}{
		{"", "", "ClusterRole", []rbacv1.PolicyRule{{APIGroups: []string{"openreports.io"}, Resources: []string{"reports", "clusterreports"}, Verbs: verbs}}},
		{"openreports", "", "ClusterRole", []rbacv1.PolicyRule{{APIGroups: []string{"openreports.io"}, Resources: []string{"reports", "clusterreports"}, Verbs: verbs}}},
		{"policyreport", "", "ClusterRole", []rbacv1.PolicyRule{{APIGroups: []string{"wgpolicyk8s.io"}, Resources: []string{"policyreports", "clusterpolicyreports"}, Verbs: verbs}}},
		{"policyreport", "llm", "Role", []rbacv1.PolicyRule{{APIGroups: []string{"wgpolicyk8s.io"}, Resources: []string{"policyreports"}, Verbs: verbs}}},
		{"none", "", "", nil},
		{"none", "llm", "", nil},
	} {
		t.Run(tc.reports+"/"+tc.scope, func(t *testing.T) {
			args := []string{"--set", "reports=" + tc.reports}
			if tc.scope != "" {
				args = append(args, "--set", "scope.allNamespaces=false", "--set", "scope.namespace="+tc.scope)
			}
			objs := template(t, args...)
			for _, kind := range []string{"ClusterRole", "Role"} {
				var r rbacv1.ClusterRole
				found := find(t, objs, kind, "tg-tiergate-reports", &r)
				if found != (kind == tc.kind) {
					t.Fatalf("%s tg-tiergate-reports rendered: %v, want %v", kind, found, kind == tc.kind)
				}
				if found && (!reflect.DeepEqual(r.Rules, tc.want) || r.Namespace != tc.scope) {
					t.Errorf("%s in %q: %+v, want %+v", kind, r.Namespace, r.Rules, tc.want)
				}
			}
		})
	}
	if _, err := templateRaw(t, "--set", "reports=sarif"); err == nil || !strings.Contains(err.Error(), `reports: "sarif" is not one of openreports, policyreport, none`) {
		t.Errorf("reports=sarif: %v", err)
	}
}

// deployment renders the chart and returns its Deployment.
func deployment(t *testing.T, args ...string) (appsv1.Deployment, []*unstructured.Unstructured) {
	t.Helper()
	objs := template(t, args...)
	var d appsv1.Deployment
	if !find(t, objs, "Deployment", "tg-tiergate", &d) {
		t.Fatal("no Deployment")
	}
	return d, objs
}

// TestChartRunsServeWithItsScope: the container's arguments are flags
// tiergate serve defines (parsed by its own command), with the scope
// and reports the values say.
func TestChartRunsServeWithItsScope(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		all      bool
		ns, sel  string
		reports  string
		listenAt string
	}{
		{"defaults", nil, true, "", "", "", ":9321"},
		{"one namespace", []string{"--set", "scope.allNamespaces=false", "--set", "scope.namespace=llm", "--set", "scope.selector=app=vllm",
			"--set", "reports=none", "--set", "service.port=9400"}, false, "llm", "app=vllm", "none", ":9400"},
		{"everything on", allEnabled, true, "", "tier!=dev", "openreports", ":9321"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := deployment(t, tc.args...)
			c := d.Spec.Template.Spec.Containers[0]
			if len(c.Args) == 0 || c.Args[0] != "serve" || len(c.Command) != 0 {
				t.Fatalf("command %v, args %v", c.Command, c.Args)
			}
			flags := c.Args[1:]
			kube := genericclioptions.NewConfigFlags(true)
			serve := cmd.NewCmdServe(genericiooptions.NewTestIOStreamsDiscard(), kube)
			if err := serve.ParseFlags(flags); err != nil {
				t.Fatalf("serve %v: %v", flags, err)
			}
			reports := serve.Flags().Lookup("reports").Value.String()
			if !serve.Flags().Changed("reports") {
				reports = ""
			}
			all, _ := serve.Flags().GetBool("all-namespaces")
			sel, _ := serve.Flags().GetString("selector")
			listen, _ := serve.Flags().GetString("listen")
			if all != tc.all || *kube.Namespace != tc.ns || sel != tc.sel || listen != tc.listenAt || reports != tc.reports {
				t.Errorf("serve -A=%v -n=%q -l=%q --listen=%q --reports=%q from %v", all, *kube.Namespace, sel, listen, reports, c.Args)
			}
			if len(c.Ports) != 1 || ":"+strconv.Itoa(int(c.Ports[0].ContainerPort)) != tc.listenAt {
				t.Errorf("ports %+v, serve listens on %s", c.Ports, tc.listenAt)
			}
		})
	}
}

// TestChartPodIsHardenedAndProbed: the pod runs as tiergate asks of any
// workload (non-root, read-only root, no escalation, no capability,
// RuntimeDefault seccomp), gets a token only in its own pod (serve needs
// it; the ServiceAccount mounts none), is probed on /healthz and /readyz,
// and requests the memory serve holds at 10k pods.
func TestChartPodIsHardenedAndProbed(t *testing.T) {
	d, objs := deployment(t)
	p := d.Spec.Template.Spec
	c := p.Containers[0]
	sc := c.SecurityContext
	if p.SecurityContext == nil || p.SecurityContext.RunAsNonRoot == nil || !*p.SecurityContext.RunAsNonRoot ||
		p.SecurityContext.SeccompProfile == nil || p.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v", p.SecurityContext)
	}
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 {
		t.Errorf("container securityContext %+v", sc)
	}
	var sa corev1.ServiceAccount
	if !find(t, objs, "ServiceAccount", "tg-tiergate", &sa) || sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken ||
		p.AutomountServiceAccountToken == nil || !*p.AutomountServiceAccountToken || p.ServiceAccountName != sa.Name {
		t.Errorf("token: ServiceAccount %v, pod %v as %q", sa.AutomountServiceAccountToken, p.AutomountServiceAccountToken, p.ServiceAccountName)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" ||
		c.LivenessProbe.HTTPGet.Port.String() != "metrics" || c.ReadinessProbe.HTTPGet.Port.String() != "metrics" {
		t.Errorf("probes: liveness %+v, readiness %+v", c.LivenessProbe, c.ReadinessProbe)
	}
	// docs/PERFORMANCE.md: serve holds 210-260 MB at 10k pods.
	req, limit := c.Resources.Requests.Memory().Value(), c.Resources.Limits.Memory().Value()
	if req < 256<<20 || limit < 2*req {
		t.Errorf("memory request %d, limit %d: serve holds 260 MB at 10k pods", req, limit)
	}
	var svc corev1.Service
	if !find(t, objs, "Service", "tg-tiergate", &svc) || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != "metrics" ||
		!reflect.DeepEqual(svc.Spec.Selector, d.Spec.Selector.MatchLabels) {
		t.Errorf("Service %+v", svc.Spec)
	}
}

// auditAllPods audits rendered manifests as `tiergate audit -f --policy`
// with applyToAllPods: the network, identity and Pod Security checks run
// on tiergate's own pod too (by default only LLM workloads get them).
func auditAllPods(t *testing.T, rendered []byte) map[string]policy.Severity {
	t.Helper()
	file := filepath.Join(t.TempDir(), "chart.yaml")
	if err := os.WriteFile(file, rendered, 0o600); err != nil {
		t.Fatal(err)
	}
	objs, err := manifest.Read([]string{file}, nil, manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.Default()
	pol.ApplyToAllPods = true
	e, err := audit.NewEngine(pol)
	if err != nil {
		t.Fatal(err)
	}
	rep := e.Audit(inv, audit.Options{Now: time.Now()})
	if len(rep.Workloads) != 1 || rep.Workloads[0].Kind != "Deployment" {
		t.Fatalf("the audit saw %d workloads in the chart, want its Deployment", len(rep.Workloads))
	}
	found := map[string]policy.Severity{}
	for _, f := range rep.Workloads[0].Findings {
		found[f.Rule] = f.Severity
		t.Logf("%s %s: %s", f.Rule, f.Severity, f.Message)
	}
	return found
}

// TestChartAuditsCleanByTiergate: tiergate's own audit of the chart's
// rendered manifests, every option on, finds nothing high or critical,
// and nothing at all but the token serve needs (TG-IDN-001) and, when
// helm cannot look the API server up, its egress by port only
// (TG-NET-002). The same audit does find a privileged pod critical.
func TestChartAuditsCleanByTiergate(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want map[string]policy.Severity
	}{
		{"rendered offline", allEnabled, map[string]policy.Severity{"TG-IDN-001": policy.Medium, "TG-NET-002": policy.Medium}},
		{"API server known", append(slices.Clone(allEnabled), "--set", "networkPolicy.apiServer.cidrs={10.0.0.1/32}"), map[string]policy.Severity{"TG-IDN-001": policy.Medium}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := templateRaw(t, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if got := auditAllPods(t, out); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("findings %v, want %v", got, tc.want)
			}
		})
	}
	out, err := templateRaw(t, "--set", "securityContext.privileged=true")
	if err != nil {
		t.Fatal(err)
	}
	if got := auditAllPods(t, out); got["TG-PSS-007"] != policy.Critical {
		t.Errorf("a privileged tiergate: %v, want TG-PSS-007 critical", got)
	}
}

// TestChartOptionalObjects: the ServiceMonitor, the dashboard ConfigMap
// and the NetworkPolicy render when enabled (and only then), point at the
// metrics port, and the ConfigMap carries deploy/grafana's dashboard.
func TestChartOptionalObjects(t *testing.T) {
	off := template(t, "--set", "networkPolicy.enabled=false")
	for _, kind := range []string{"ServiceMonitor", "ConfigMap", "NetworkPolicy"} {
		if find(t, off, kind, "", nil) {
			t.Errorf("%s rendered with its option off", kind)
		}
	}
	objs := template(t, allEnabled...)
	var sm struct {
		Metadata struct{ Namespace string }
		Spec     struct {
			Selector          struct{ MatchLabels map[string]string }
			NamespaceSelector struct{ MatchNames []string }
			Endpoints         []struct{ Port, Path, Interval, ScrapeTimeout string }
		}
	}
	if !find(t, objs, "ServiceMonitor", "tg-tiergate", nil) {
		t.Fatal("no ServiceMonitor")
	}
	for _, o := range objs {
		if o.GetKind() == "ServiceMonitor" {
			b, _ := yaml.Marshal(o.Object)
			if err := yaml.Unmarshal(b, &sm); err != nil {
				t.Fatal(err)
			}
			if o.GetAPIVersion() != "monitoring.coreos.com/v1" {
				t.Errorf("ServiceMonitor %s", o.GetAPIVersion())
			}
		}
	}
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "metrics" || sm.Spec.Endpoints[0].Path != "/metrics" ||
		sm.Spec.Selector.MatchLabels["app.kubernetes.io/instance"] != "tg" || !reflect.DeepEqual(sm.Spec.NamespaceSelector.MatchNames, []string{"tiergate-system"}) {
		t.Errorf("ServiceMonitor spec %+v", sm.Spec)
	}
	var cm corev1.ConfigMap
	if !find(t, objs, "ConfigMap", "tg-tiergate-dashboard", &cm) || cm.Labels["grafana_dashboard"] != "1" {
		t.Fatalf("dashboard ConfigMap %+v", cm.ObjectMeta)
	}
	want, err := os.ReadFile("grafana/tiergate.json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(cm.Data["tiergate.json"]) != strings.TrimSpace(string(want)) {
		t.Error("the ConfigMap's dashboard is not deploy/grafana/tiergate.json")
	}
	var np networkingv1.NetworkPolicy
	if !find(t, objs, "NetworkPolicy", "tg-tiergate", &np) {
		t.Fatal("no NetworkPolicy")
	}
	if len(np.Spec.PolicyTypes) != 2 || len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].Ports) != 1 || np.Spec.Ingress[0].Ports[0].Port.String() != "metrics" {
		t.Errorf("ingress %+v", np.Spec.Ingress)
	}
	ports := map[string]bool{}
	for _, e := range np.Spec.Egress {
		for _, p := range e.Ports {
			ports[string(*p.Protocol)+"/"+p.Port.String()] = true
		}
	}
	if !reflect.DeepEqual(ports, map[string]bool{"TCP/443": true, "TCP/6443": true, "UDP/53": true, "TCP/53": true}) {
		t.Errorf("egress ports %v: want the API server's and DNS only", ports)
	}
	// Given the API server's addresses, egress to it goes there only.
	objs = template(t, "--set", "networkPolicy.apiServer.cidrs={10.0.0.1/32}", "--set", "networkPolicy.dns=false")
	if !find(t, objs, "NetworkPolicy", "tg-tiergate", &np) || len(np.Spec.Egress) != 1 || len(np.Spec.Egress[0].To) != 1 ||
		np.Spec.Egress[0].To[0].IPBlock == nil || np.Spec.Egress[0].To[0].IPBlock.CIDR != "10.0.0.1/32" {
		t.Errorf("egress with the API server's CIDR, no DNS: %+v", np.Spec.Egress)
	}
}

// TestChartImageDefaultsToAppVersion: the image tag is the chart's
// appVersion unless set.
func TestChartImageDefaultsToAppVersion(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chart, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct{ AppVersion string }
	if err := yaml.Unmarshal(raw, &meta); err != nil || meta.AppVersion == "" {
		t.Fatalf("Chart.yaml appVersion %q: %v", meta.AppVersion, err)
	}
	d, _ := deployment(t)
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "ghcr.io/tiergate/tiergate:"+meta.AppVersion {
		t.Errorf("image %s, want the appVersion %s", img, meta.AppVersion)
	}
	d, _ = deployment(t, "--set", "image.tag=v9", "--set", "image.repository=registry.example/tg")
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.example/tg:v9" {
		t.Errorf("image %s", img)
	}
}
