//go:build integration

package cmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
)

// requireFile finds a file the test needs: env names an override, path
// the default, make the target that builds it. Missing, the test skips
// with that target, except in CI or with TIERGATE_INTEGRATION=1, where
// it fails (as missing control-plane binaries do).
func requireFile(t *testing.T, env, path, make string) string {
	t.Helper()
	for _, p := range []string{os.Getenv(env), path} {
		if p == "" || strings.Contains(p, "\n") {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			abs, _ := filepath.Abs(p)
			return abs
		}
	}
	if os.Getenv("CI") != "" || os.Getenv(testcluster.RequireEnv) == "1" {
		t.Fatalf("no %s (%s builds it; %s names another)", path, make, env)
	}
	t.Skipf("no %s: %s builds it (or set %s)", path, make, env)
	return ""
}

// releasedServiceMonitorCRD is the SHA-256 of prometheus-operator
// v0.93.0's example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml
// (tag v0.93.0, commit f8fafd475f3d132e239432ae6172de60a6cb6516), which
// make servicemonitor-crd reproduces.
const releasedServiceMonitorCRD = "a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32"

// helmAllOn turns on every optional object of the chart (the Makefile's
// HELM_ALL_ON).
var helmAllOn = []string{"--set", "serviceMonitor.enabled=true", "--set", "grafanaDashboard.enabled=true",
	"--set", "networkPolicy.enabled=true", "--set", "reports=openreports", "--set", "scope.selector=tier!=dev"}

// TestHelmChartInstallsOnTheLab: bin/helm installs the chart, every
// option on, into the lab (the ServiceMonitor CRD loaded first): each
// object exists, the pod is scheduled and Running (kwok plays the
// kubelet), the NetworkPolicy names the API server's own address (helm's
// lookup at install), and tiergate's audit of what was installed, with
// every pod checked, finds nothing high or critical in tiergate itself.
func TestHelmChartInstallsOnTheLab(t *testing.T) {
	seedExample(t)
	helm := requireFile(t, "TIERGATE_HELM", "../bin/helm", "make helm")
	generated, _ := filepath.Glob("../bin/crds/prometheus-operator-*/monitoring.coreos.com_servicemonitors.yaml")
	crd := requireFile(t, "TIERGATE_SERVICEMONITOR_CRD", strings.Join(generated, ""), "make servicemonitor-crd")
	ctx := context.Background()

	raw, err := os.ReadFile(crd)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != releasedServiceMonitorCRD {
		t.Fatalf("%s is not prometheus-operator v0.93.0's released ServiceMonitor CRD (SHA-256 %x)", crd, sum)
	}
	var def struct {
		Spec struct {
			Group    string
			Names    struct{ Kind string }
			Versions []struct {
				Name   string
				Served bool
			}
		}
	}
	if err := yaml.Unmarshal(raw, &def); err != nil || def.Spec.Group != "monitoring.coreos.com" || def.Spec.Names.Kind != "ServiceMonitor" ||
		len(def.Spec.Versions) == 0 || def.Spec.Versions[0].Name != "v1" || !def.Spec.Versions[0].Served {
		t.Fatalf("%s is not the ServiceMonitor v1 CRD: %+v %v", crd, def.Spec, err)
	}
	if _, err := seed.Files(ctx, cl.Config, crd); err != nil {
		t.Fatal(err)
	}

	const ns, release = "tiergate-system", "tiergate"
	helmRun := func(args ...string) string {
		t.Helper()
		c := exec.Command(helm, append(args, "--kubeconfig", cl.Kubeconfig)...)
		c.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
		var out, errOut bytes.Buffer
		c.Stdout, c.Stderr = &out, &errOut
		if err := c.Run(); err != nil {
			t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String()
	}
	helmRun(append([]string{"install", release, "../deploy/helm/tiergate", "--namespace", ns, "--create-namespace"}, helmAllOn...)...)
	kube := kubernetes.NewForConfigOrDie(cl.Config)
	// Later tests count the lab's workloads: leave none behind.
	t.Cleanup(func() {
		c := exec.Command(helm, "uninstall", release, "--namespace", ns, "--kubeconfig", cl.Kubeconfig, "--wait")
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("helm uninstall: %v\n%s", err, out)
		}
		if err := kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
			t.Error(err)
		}
		for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(time.Second) {
			if _, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
				return
			}
		}
		t.Errorf("namespace %s still there a minute after deletion", ns)
	})

	dyn, err := dynamic.NewForConfig(cl.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		gvr       schema.GroupVersionResource
		namespace string
		name      string
	}{
		{schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, ns, release},
		{schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}, ns, release},
		{schema.GroupVersionResource{Version: "v1", Resource: "services"}, ns, release},
		{schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, ns, release + "-dashboard"},
		{schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}, "", release + "-readonly"},
		{schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"}, "", release + "-readonly"},
		{schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}, "", release + "-reports"},
		{schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"}, "", release + "-reports"},
		{schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"}, ns, release},
		{schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "servicemonitors"}, ns, release},
	} {
		if _, err := dyn.Resource(o.gvr).Namespace(o.namespace).Get(ctx, o.name, metav1.GetOptions{}); err != nil {
			t.Errorf("%s %s/%s: %v", o.gvr.Resource, o.namespace, o.name, err)
		}
	}

	// The pod: scheduled onto a (kwok) node and Running.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		pods, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + release})
		if err == nil && len(pods.Items) == 1 && pods.Items[0].Spec.NodeName != "" && pods.Items[0].Status.Phase == corev1.PodRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tiergate's pod not Running on a node after 2 minutes: %+v, %v", pods, err)
		}
		time.Sleep(time.Second)
	}

	// helm's lookup found the API server: egress to it names its address.
	np, err := kube.NetworkingV1().NetworkPolicies(ns).Get(ctx, release, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	slice, err := kube.DiscoveryV1().EndpointSlices("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil || len(slice.Endpoints) == 0 || len(slice.Endpoints[0].Addresses) == 0 {
		t.Fatalf("the kubernetes EndpointSlice: %v", err)
	}
	if len(np.Spec.Egress) == 0 || len(np.Spec.Egress[0].To) == 0 || np.Spec.Egress[0].To[0].IPBlock == nil ||
		!strings.HasPrefix(np.Spec.Egress[0].To[0].IPBlock.CIDR, slice.Endpoints[0].Addresses[0]+"/") {
		t.Errorf("egress %+v, the API server is at %v", np.Spec.Egress, slice.Endpoints[0].Addresses)
	}
	// ... and its port, which need not be 443 or 6443 (the lab's is free).
	if len(slice.Ports) == 0 || slice.Ports[0].Port == nil {
		t.Fatalf("the kubernetes EndpointSlice has no port: %+v", slice.Ports)
	}
	if len(np.Spec.Egress) == 0 || !slices.ContainsFunc(np.Spec.Egress[0].Ports, func(p networkingv1.NetworkPolicyPort) bool {
		return p.Port != nil && p.Port.IntValue() == int(*slice.Ports[0].Port)
	}) {
		t.Errorf("egress to the API server allows ports %+v, not its port %d", np.Spec.Egress[0].Ports, *slice.Ports[0].Port)
	}

	// tiergate's own audit of what was installed, every pod checked.
	dir := t.TempDir()
	installed := filepath.Join(dir, "installed.yaml")
	pol := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(installed, []byte(helmRun("get", "manifest", release, "--namespace", ns)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pol, []byte("apiVersion: tiergate.dev/v1alpha1\nkind: Policy\napplyToAllPods: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "audit", "-f", installed, "--policy", pol, "-o", "json")
	if code == ExitUsage {
		t.Fatalf("audit -f: exit %d: %s", code, errOut)
	}
	var rep struct {
		Workloads []struct {
			Kind, Name string
			Findings   []struct{ Rule, Severity, Message string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Workloads) != 1 || rep.Workloads[0].Name != release {
		t.Fatalf("audit of the chart: %+v", rep.Workloads)
	}
	for _, f := range rep.Workloads[0].Findings {
		t.Logf("%s %s: %s", f.Rule, f.Severity, f.Message)
		if f.Severity == "high" || f.Severity == "critical" {
			t.Errorf("tiergate's own chart: %s is %s: %s", f.Rule, f.Severity, f.Message)
		}
		if f.Rule == "TG-NET-002" {
			t.Errorf("installed, egress should name the API server: %s", f.Message)
		}
	}
}
