//go:build integration

package cmd

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
)

// The second cluster's workloads, and a bad Deployment either cluster
// gains later.
const (
	eastFixture  = "testdata/fleet/east.yaml"
	rogueFixture = "testdata/fleet/rogue.yaml"
	rogueNS      = "fleet-rogue"
)

// fleetLab is the package's lab cluster and a second real control plane
// ("east"), with a kubeconfig holding a context for each plus one for a
// user of the lab who may only read pods in namespace agents ("reader").
type fleetLab struct {
	east *testcluster.Cluster
	raw  *clientcmdapi.Config
}

// TestFleetOfTwoClusters is issue 19's "done when" for fleets: against
// two real clusters (and a differently scoped user), the fleet report
// lists both, each as its own audit would; one cut off mid-run is a line
// and the other still complete; the concurrency bound holds; and a
// baseline of the fleet fails --fail-on-new only on a new bad Deployment,
// telling the clusters apart.
func TestFleetOfTwoClusters(t *testing.T) {
	seedExample(t)
	lab := startFleetLab(t)
	t.Run("each cluster as its own audit", lab.testBothListed)
	t.Run("a cluster cut off mid-run", lab.testCutOff)
	t.Run("one cluster at a time", lab.testConcurrency)
	t.Run("a baseline of the fleet", lab.testBaseline)
}

// startFleetLab starts the second cluster (stopped when the test ends),
// seeds it and writes nothing yet: each test writes the kubeconfig it
// needs from raw.
func startFleetLab(t *testing.T) *fleetLab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	east, err := testcluster.Start(ctx, testcluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(east.Stop)
	if _, err := seed.Files(ctx, east.Config, eastFixture); err != nil {
		t.Fatal(err)
	}
	if err := seed.WaitForPodsIn(ctx, east.Config, "llm-serving", 2, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	reader, err := cl.NewUser(ctx, "fleet-reader", testcluster.UserOptions{Namespace: "agents", Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	raw := clientcmdapi.NewConfig()
	for name, file := range map[string]string{"lab": cl.Kubeconfig, "east": east.Kubeconfig, "reader": reader.Kubeconfig} {
		one, err := clientcmd.LoadFromFile(file)
		if err != nil {
			t.Fatal(err)
		}
		c := one.Contexts[one.CurrentContext]
		raw.Clusters[name] = one.Clusters[c.Cluster]
		raw.AuthInfos[name] = one.AuthInfos[c.AuthInfo]
		raw.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name, Namespace: c.Namespace}
	}
	raw.Contexts["east"].Namespace = "llm-serving"
	raw.CurrentContext = "lab"
	return &fleetLab{east: east, raw: raw}
}

// kubeconfig writes the lab's kubeconfig with each of via (context →
// proxy address) added as a context of its own: the cluster and user of
// the context named before the "/" ("east/cut"), its server the proxy.
func (l *fleetLab) kubeconfig(t *testing.T, via map[string]string) string {
	t.Helper()
	raw := l.raw.DeepCopy()
	for name, addr := range via {
		from, _, _ := strings.Cut(name, "/")
		c := raw.Clusters[from].DeepCopy()
		u, err := url.Parse(c.Server)
		if err != nil {
			t.Fatal(err)
		}
		u.Host = addr
		c.Server = u.String()
		raw.Clusters[name] = c
		ctx := raw.Contexts[from].DeepCopy()
		ctx.Cluster = name
		raw.Contexts[name] = ctx
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*raw, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// server is the host:port of a context's API server.
func (l *fleetLab) server(t *testing.T, context string) string {
	t.Helper()
	u, err := url.Parse(l.raw.Clusters[context].Server)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// decodeReport decodes a JSON report.
func decodeReport(t *testing.T, out string) *audit.Report {
	t.Helper()
	var rep audit.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%.2000s", err, out)
	}
	return &rep
}

// clusterOf is the fleet report's entry for a context.
func clusterOf(t *testing.T, rep *audit.Report, context string) audit.ClusterReport {
	t.Helper()
	for _, c := range rep.Clusters {
		if c.Context == context {
			return c
		}
	}
	t.Fatalf("no cluster %q in %+v", context, rep.Clusters)
	return audit.ClusterReport{}
}

// workloadsOf names a report's workloads of a cluster ("" for all), with
// their findings, sorted: what a fleet report and a cluster's own audit
// must agree on.
func workloadsOf(rep *audit.Report, cluster string) []string {
	var out []string
	for _, w := range rep.Workloads {
		if cluster != "" && w.Cluster != cluster {
			continue
		}
		rules := make([]string, 0, len(w.Findings))
		for _, f := range w.Findings {
			rules = append(rules, f.Rule+":"+f.Container)
		}
		slices.Sort(rules)
		out = append(out, w.Namespace+"/"+w.Kind+"/"+w.Name+" "+strings.Join(rules, ","))
	}
	slices.Sort(out)
	return out
}

// sameAsAlone checks that a fleet report's cluster is complete: its
// summary, its workloads and their findings, and what it could not see
// are those of the cluster's own audit (alone: its -o json).
func sameAsAlone(t *testing.T, fleet *audit.Report, context, alone string) {
	t.Helper()
	own := decodeReport(t, alone)
	c := clusterOf(t, fleet, context)
	if c.Error != "" || c.Summary == nil {
		t.Fatalf("%s: not audited: %q", context, c.Error)
	}
	if !reflect.DeepEqual(*c.Summary, own.Summary) {
		t.Errorf("%s: summary in the fleet %+v, alone %+v", context, *c.Summary, own.Summary)
	}
	if got, want := workloadsOf(fleet, context), workloadsOf(own, ""); !slices.Equal(got, want) {
		t.Errorf("%s: workloads in the fleet:\n%s\nalone:\n%s", context, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !slices.Equal(c.NotVisible, own.NotVisible) {
		t.Errorf("%s: not visible in the fleet %q, alone %q", context, c.NotVisible, own.NotVisible)
	}
	if own.Summary.Workloads == 0 {
		t.Errorf("%s: nothing audited", context)
	}
}

// auditAlone is one context's own audit, as JSON.
func auditAlone(t *testing.T, kc, context string, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, "", append([]string{"audit", "--kubeconfig", kc, "--context", context, "-o", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("%s alone: exit %d: %s", context, code, errOut)
	}
	return out
}

// testBothListed: every workload of both clusters, each with its
// cluster, each cluster's summary its own audit's; a user who may read
// only one namespace's pods is audited in it as alone, and is a line
// (forbidden) with -A while the others are complete.
func (l *fleetLab) testBothListed(t *testing.T) {
	kc := l.kubeconfig(t, nil)
	out, errOut, code := run(t, "", "audit", "--kubeconfig", kc, "--contexts", "lab,east", "-A", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := decodeReport(t, out)
	if len(rep.Clusters) != 2 || rep.Clusters[0].Context != "lab" || rep.Clusters[1].Context != "east" {
		t.Fatalf("clusters %+v", rep.Clusters)
	}
	sameAsAlone(t, rep, "lab", auditAlone(t, kc, "lab", "-A"))
	sameAsAlone(t, rep, "east", auditAlone(t, kc, "east", "-A"))
	if n := len(workloadsOf(rep, "lab")) + len(workloadsOf(rep, "east")); n != len(rep.Workloads) || rep.Summary.Workloads != rep.Clusters[0].Summary.Workloads+rep.Clusters[1].Summary.Workloads {
		t.Errorf("%d workloads, %d of them in lab or east; summary %d", len(rep.Workloads), n, rep.Summary.Workloads)
	}

	// Each context in its own namespace: east's llm-serving, the
	// reader's agents (it cannot list nodes or network policies).
	out, errOut, code = run(t, "", "audit", "--kubeconfig", kc, "--contexts", "east,reader", "-o", "json")
	if code != 0 {
		t.Fatalf("east,reader: exit %d: %s", code, errOut)
	}
	rep = decodeReport(t, out)
	sameAsAlone(t, rep, "east", auditAlone(t, kc, "east"))
	sameAsAlone(t, rep, "reader", auditAlone(t, kc, "reader"))
	if !strings.Contains(errOut, "tiergate: not visible: reader: nodes: forbidden") {
		t.Errorf("the reader's gaps are not said with its context:\n%s", errOut)
	}

	out, errOut, code = run(t, "", "audit", "--kubeconfig", kc, "--contexts", "reader,lab,east", "-A", "-o", "json")
	if code != 0 || !strings.Contains(errOut, "tiergate: cluster reader: not audited: ") || !strings.Contains(errOut, "pods: forbidden in all namespaces") {
		t.Fatalf("-A with the reader: exit %d: %s", code, errOut)
	}
	rep = decodeReport(t, out)
	if c := clusterOf(t, rep, "reader"); !strings.Contains(c.Error, "forbidden") || c.Summary != nil {
		t.Errorf("reader: %+v", c)
	}
	sameAsAlone(t, rep, "lab", auditAlone(t, kc, "lab", "-A"))
	sameAsAlone(t, rep, "east", auditAlone(t, kc, "east", "-A"))
}

// testCutOff: east answers through a proxy that stops passing its bytes
// partway through what a whole audit of it reads, so the audit hangs in
// the middle of its lists. With --cluster-timeout 5s the run ends in
// about that, east is a line saying it timed out, the lab is complete;
// exit 0, and 2 with --fail-on-unreachable.
func (l *fleetLab) testCutOff(t *testing.T) {
	proxy := newTCPProxy(t, l.server(t, "east"))
	kc := l.kubeconfig(t, map[string]string{"east/cut": proxy.Addr()})
	// How much a whole audit of east reads through the proxy.
	auditAlone(t, kc, "east/cut", "-A")
	whole := proxy.Passed()
	if whole < 10_000 {
		t.Fatalf("a whole audit of east read %d bytes", whole)
	}
	aloneLab := auditAlone(t, kc, "lab", "-A")

	// Cut off halfway, and three quarters in (most lists done, pods among
	// them: what had listed is still not the cluster).
	for _, tc := range []struct {
		failOn bool
		cutAt  int64
	}{{false, whole * 3 / 4}, {true, whole / 2}} {
		failOn := tc.failOn
		cut := newTCPProxy(t, l.server(t, "east"))
		kc := l.kubeconfig(t, map[string]string{"east/cut": cut.Addr()})
		cut.StallAfter(tc.cutAt)
		args := []string{"audit", "--kubeconfig", kc, "--contexts", "lab,east/cut", "-A", "-o", "json", "--cluster-timeout", "5s"}
		if failOn {
			args = append(args, "--fail-on-unreachable")
		}
		start := time.Now()
		out, errOut, code := run(t, "", args...)
		took := time.Since(start)
		cut.Close() // whatever happened: nothing stays hung on it
		select {
		case <-cut.Stalled():
		default:
			t.Fatalf("the proxy never cut east off (%d of %d bytes passed)", cut.Passed(), whole)
		}
		want := 0
		if failOn {
			want = ExitUsage
		}
		if code != want || !strings.Contains(errOut, "tiergate: cluster east/cut: not audited: not done in 5s (--cluster-timeout)") {
			t.Errorf("fail-on-unreachable %v: exit %d (want %d): %s", failOn, code, want, errOut)
		}
		if failOn && !strings.Contains(errOut, "1 of 2 clusters not audited: east/cut (--fail-on-unreachable)") {
			t.Errorf("--fail-on-unreachable: %s", errOut)
		}
		t.Logf("east cut off after %d of the %d bytes a whole audit reads; the run took %v", cut.Passed(), whole, took.Round(time.Millisecond))
		if took < 5*time.Second || took > 10*time.Second {
			t.Errorf("the run took %v with --cluster-timeout 5s", took.Round(time.Millisecond))
		}
		rep := decodeReport(t, out)
		if c := clusterOf(t, rep, "east/cut"); c.Summary != nil || !strings.Contains(c.Error, "--cluster-timeout") {
			t.Errorf("east/cut: %+v", c)
		}
		sameAsAlone(t, rep, "lab", aloneLab)
		if len(workloadsOf(rep, "east/cut")) != 0 {
			t.Errorf("workloads of the cut-off cluster in the report: %q", workloadsOf(rep, "east/cut"))
		}
	}
}

// testConcurrency: three contexts, each behind a proxy that holds its
// connections; with --cluster-concurrency 1 only one cluster is
// contacted until it is let through, then the next; with 2, two at once.
func (l *fleetLab) testConcurrency(t *testing.T) {
	for _, bound := range []int{1, 2} {
		proxies := map[string]*tcpProxy{}
		via := map[string]string{}
		for _, name := range []string{"lab/1", "east/2", "lab/3"} {
			from, _, _ := strings.Cut(name, "/")
			p := newTCPProxy(t, l.server(t, from))
			p.Hold()
			proxies[name], via[name] = p, p.Addr()
		}
		kc := l.kubeconfig(t, via)
		type result struct {
			out, errOut string
			code        int
		}
		done := make(chan result, 1)
		go func() {
			out, errOut, code := run(t, "", "audit", "--kubeconfig", kc, "--contexts", "lab/1,east/2,lab/3", "-A", "-o", "json", "--cluster-concurrency", strconv.Itoa(bound))
			done <- result{out, errOut, code}
		}()
		contacted := func() []string {
			var out []string
			for name, p := range proxies {
				if len(p.Accepted()) > 0 {
					out = append(out, name)
				}
			}
			slices.Sort(out)
			return out
		}
		var released []string
		for len(released) < len(proxies) {
			// Wait for the next cluster(s) to be contacted, then a while
			// longer: no more than the bound may be contacted and not
			// let through.
			deadline := time.Now().Add(30 * time.Second)
			for len(contacted()) == len(released) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(1500 * time.Millisecond)
			now := contacted()
			waiting := len(now) - len(released)
			if want := min(bound, len(proxies)-len(released)); waiting != want {
				t.Errorf("--cluster-concurrency %d: %d clusters contacted at once (%q, %q let through before)", bound, waiting, now, released)
			}
			if waiting == 0 {
				break
			}
			for _, name := range now {
				if !slices.Contains(released, name) {
					proxies[name].Release()
					released = append(released, name)
					if bound == 1 {
						break // one at a time: the next must wait for it
					}
				}
			}
		}
		for _, p := range proxies {
			p.Release()
		}
		r := <-done
		if r.code != 0 {
			t.Fatalf("--cluster-concurrency %d: exit %d: %s", bound, r.code, r.errOut)
		}
		rep := decodeReport(t, r.out)
		for _, c := range rep.Clusters {
			if c.Error != "" || c.Summary == nil || c.Summary.Workloads == 0 {
				t.Errorf("--cluster-concurrency %d: %s: %+v", bound, c.Context, c)
			}
		}
	}
}

// testBaseline: a baseline of both clusters, then a new bad Deployment
// in east fails --fail-on-new high naming only it; a run against a
// baseline that has it passes; the same Deployment (namespace and name)
// in the lab is new, not matched with east's; a cluster that cannot be
// read resolves none of its findings, and against a baseline that could
// not read it all its findings are new, which is said.
func (l *fleetLab) testBaseline(t *testing.T) {
	kc := l.kubeconfig(t, nil)
	dir := t.TempDir()
	fleet := []string{"audit", "--kubeconfig", kc, "--contexts", "lab,east", "-A", "-o", "json"}
	save := func(name string) string {
		t.Helper()
		out, errOut, code := run(t, "", fleet...)
		if code != 0 {
			t.Fatalf("baseline %s: exit %d: %s", name, code, errOut)
		}
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	gate := func(base string) (*audit.Report, string, int) {
		t.Helper()
		out, errOut, code := run(t, "", append(fleet, "--baseline", base, "--fail-on-new", "high")...)
		if code != 0 && code != ExitFindings {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		rep := decodeReport(t, out)
		if rep.Baseline == nil {
			t.Fatalf("no baseline in the report: %s", errOut)
		}
		return rep, errOut, code
	}
	// onlyRogue checks that the new findings are the rogue Deployment's
	// in cluster, and the only ones marked new.
	onlyRogue := func(rep *audit.Report, cluster string) {
		t.Helper()
		if rep.Baseline.New == 0 || len(rep.Baseline.NewFindings) != rep.Baseline.New {
			t.Fatalf("%d new, %d listed", rep.Baseline.New, len(rep.Baseline.NewFindings))
		}
		for _, f := range rep.Baseline.NewFindings {
			if f.Cluster != cluster || f.Namespace != rogueNS || f.Owner.Name != "rogue-agent" {
				t.Errorf("new: %+v", f)
			}
		}
		for _, w := range rep.Workloads {
			for _, f := range w.Findings {
				if (f.Baseline == audit.BaselineNew) != (w.Cluster == cluster && w.Namespace == rogueNS) {
					t.Errorf("%s %s/%s %s: %s", w.Cluster, w.Namespace, w.Name, f.Rule, f.Baseline)
				}
			}
		}
		if len(rep.Baseline.Resolved) != 0 {
			t.Errorf("resolved: %+v", rep.Baseline.Resolved)
		}
	}

	before := save("before")
	if rep, errOut, code := gate(before); code != 0 || rep.Baseline.New != 0 || len(rep.Baseline.Resolved) != 0 {
		t.Fatalf("nothing changed: exit %d, %+v: %s", code, rep.Baseline, errOut)
	}

	addRogue(t, l.east.Config)
	rep, errOut, code := gate(before)
	if code != ExitFindings || !strings.Contains(errOut, "since the baseline (--fail-on-new high)") {
		t.Errorf("a new bad Deployment in east: exit %d: %s", code, errOut)
	}
	onlyRogue(rep, "east")

	withEast := save("with-east")
	if rep, errOut, code := gate(withEast); code != 0 || rep.Baseline.New != 0 {
		t.Errorf("nothing new since: exit %d, %+v: %s", code, rep.Baseline, errOut)
	}

	// The same namespace and name in the lab: new, the cluster is in the
	// key.
	addRogue(t, cl.Config)
	rep, errOut, code = gate(withEast)
	if code != ExitFindings {
		t.Errorf("the same Deployment in the lab: exit %d: %s", code, errOut)
	}
	onlyRogue(rep, "lab")

	// east gone: its findings are not known, not resolved.
	dead := l.raw.DeepCopy()
	dead.Clusters["east"].Server = "https://127.0.0.1:1"
	deadKC := filepath.Join(dir, "dead-east")
	if err := clientcmd.WriteToFile(*dead, deadKC); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "audit", "--kubeconfig", deadKC, "--contexts", "lab,east", "-A", "-o", "json", "--baseline", withEast, "--request-timeout", "3s")
	if code != 0 || !strings.Contains(errOut, "tiergate: cluster east: not audited") || !strings.Contains(errOut, "tiergate: baseline: cluster east not audited: ") {
		t.Fatalf("east unreachable: exit %d: %s", code, errOut)
	}
	rep = decodeReport(t, out)
	for _, f := range rep.Baseline.Resolved {
		if f.Cluster == "east" {
			t.Errorf("east was not audited, yet its finding is resolved: %+v", f)
		}
	}
	// That run as a baseline knows nothing of east: all its findings are
	// new to it, and that is said.
	noEast := filepath.Join(dir, "no-east.json")
	if err := os.WriteFile(noEast, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, errOut, code = gate(noEast)
	if code != ExitFindings || !strings.Contains(errOut, "tiergate: baseline: cluster east was not audited in the baseline: its findings all count as new") {
		t.Errorf("against a baseline without east: exit %d: %s", code, errOut)
	}
	for _, f := range rep.Baseline.NewFindings {
		if f.Cluster != "east" {
			t.Errorf("new against a baseline without east: %+v", f)
		}
	}
}

// addRogue creates the bad Deployment in a cluster and waits for its pod;
// it is deleted with its namespace when the test ends (the lab is shared
// with the package's other tests).
func addRogue(t *testing.T, cfg *rest.Config) {
	t.Helper()
	ctx := context.Background()
	if _, err := seed.Files(ctx, cfg, rogueFixture); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteNamespace(t, cfg, rogueNS) })
	if err := seed.WaitForPodsIn(ctx, cfg, rogueNS, 1, 90*time.Second); err != nil {
		t.Fatal(err)
	}
}

// deleteNamespace deletes a namespace and waits until it is gone.
func deleteNamespace(t *testing.T, cfg *rest.Config, ns string) {
	t.Helper()
	kube := kubernetes.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Error(err)
		return
	}
	for {
		_, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		select {
		case <-ctx.Done():
			t.Errorf("namespace %s not gone: %v", ns, err)
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
}
