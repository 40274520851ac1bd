package cmd

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/exporter"
	"github.com/tiergate/tiergate/policy"
)

// TestServeBusyListenFailsBeforeTheCluster: a --listen address in use is
// a one-line usage error at once, before the cluster (here a server that
// accepts and never answers, which would hold the first contact for its
// 10s timeout) is contacted.
func TestServeBusyListenFailsBeforeTheCluster(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	kubeconfig := writeFile(t, t.TempDir(), "config", `apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "https://`+silent.Addr().String()+`"}}]
users: [{name: lab, user: {token: not-a-secret}}]
contexts: [{name: lab, context: {cluster: lab, user: lab, namespace: lab}}]
current-context: lab
`)
	start := time.Now()
	_, errOut, code := run(t, "", "serve", "--kubeconfig", kubeconfig, "--listen", busy.Addr().String())
	took := time.Since(start)
	if code != ExitUsage || !strings.Contains(errOut, "--listen") || !strings.Contains(errOut, "address already in use") ||
		strings.Count(strings.TrimSpace(errOut), "\n") != 0 || took > 3*time.Second {
		t.Errorf("exit %d after %v: %q", code, took, errOut)
	}
}

// TestServeReportsFlag: --reports takes the report APIs and none; other
// values are a usage error naming them, before any connection.
func TestServeReportsFlag(t *testing.T) {
	_, errOut, code := run(t, "", "serve", "--kubeconfig", "/nonexistent", "--reports", "kyverno")
	if code != ExitUsage || !strings.Contains(errOut, `--reports "kyverno": want openreports, policyreport or none`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
	for _, v := range []string{"", "none", "openreports", "policyreport"} {
		if err := validReports(v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
}

// discoveryServing are clients whose discovery serves the resources
// ("group/version|resource"); the fake clientset, for this pure test.
func discoveryServing(served ...string) *cluster.Clients {
	kube := fake.NewClientset()
	for _, gvr := range served {
		gv, res, _ := strings.Cut(gvr, "|")
		kube.Resources = append(kube.Resources, &metav1.APIResourceList{GroupVersion: gv, APIResources: []metav1.APIResource{{Name: res, Namespaced: true}}})
	}
	return &cluster.Clients{Config: &rest.Config{Host: "https://fake"}, Kube: kube, Discovery: kube.Discovery()}
}

// checkReportsDefault: --reports' help says the default is Open Reports
// when the cluster serves their CRD, else none; so it is.
func checkReportsDefault(t *testing.T, f *pflag.Flag) {
	if !strings.Contains(f.Usage, "(default: openreports when the cluster serves its CRD, else none)") {
		t.Fatalf("unexpected claim %q", f.Usage)
	}
	o := &ServeOptions{}
	log := slog.New(slog.DiscardHandler)
	if w, err := o.reportsWriter(discoveryServing("openreports.io/v1alpha1|reports"), log); w == nil || err != nil {
		t.Errorf("with the CRD served: writer %v, %v", w != nil, err)
	}
	if w, err := o.reportsWriter(discoveryServing(), log); w != nil || err != nil {
		t.Errorf("without: writer %v, %v", w != nil, err)
	}
}

// TestServeReportsByDiscovery: by default Open Reports are written when
// discovery serves their CRD, else one warning naming it; asked for
// explicitly, a missing CRD is a one-line usage error; none writes none.
func TestServeReportsByDiscovery(t *testing.T) {
	clients := discoveryServing
	both := clients("openreports.io/v1alpha1|reports", "wgpolicyk8s.io/v1alpha2|policyreports")
	for _, tt := range []struct {
		flag    string
		clients *cluster.Clients
		writes  bool
		err     string
		log     string
	}{
		{"", both, true, "", `"msg":"writing reports","resource":"reports.openreports.io"`},
		{"", clients("wgpolicyk8s.io/v1alpha2|policyreports"), false, "", `not writing reports: the cluster does not serve reports.openreports.io/v1alpha1`},
		{"openreports", clients(), false, "--reports openreports: the cluster does not serve reports.openreports.io/v1alpha1: install its CRD or use --reports none", ""},
		{"policyreport", clients("openreports.io/v1alpha1|reports"), false, "--reports policyreport: the cluster does not serve policyreports.wgpolicyk8s.io/v1alpha2", ""},
		{"policyreport", both, true, "", `"resource":"policyreports.wgpolicyk8s.io"`},
		{"none", both, false, "", ""},
	} {
		var logs bytes.Buffer
		o := &ServeOptions{Reports: tt.flag}
		w, err := o.reportsWriter(tt.clients, slog.New(slog.NewJSONHandler(&logs, nil)))
		var ee *ExitError
		switch {
		case tt.err != "":
			if !errors.As(err, &ee) || ee.Code != ExitUsage || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "\n") {
				t.Errorf("--reports %q: %v", tt.flag, err)
			}
		case err != nil || (w != nil) != tt.writes:
			t.Errorf("--reports %q: writer %v, err %v", tt.flag, w != nil, err)
		}
		if lines := strings.Count(logs.String(), "\n"); tt.log != "" && (!strings.Contains(logs.String(), tt.log) || lines != 1) || tt.log == "" && lines != 0 {
			t.Errorf("--reports %q: logs %s", tt.flag, logs.String())
		}
	}
}

// TestServeWritesOnlyHealthySyncedAudits: the audit loop hands the
// reports writer the audits of synced, healthy snapshots only: an
// unsynced cache is incomplete and a stale one may have missed
// deletions, and either would delete reports that should stay.
func TestServeWritesOnlyHealthySyncedAudits(t *testing.T) {
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	o := &ServeOptions{ScopeOptions: ScopeOptions{engine: e}}
	inv := &audit.Inventory{Workloads: []audit.Workload{{Kind: "Pod", Namespace: "a", Name: "p"}}}
	snaps := make(chan *cluster.Snapshot, 4)
	snaps <- &cluster.Snapshot{Generation: 1, Inventory: inv}                                        // syncing
	snaps <- &cluster.Snapshot{Generation: 2, Synced: true, Inventory: inv, Err: errors.New("gone")} // stale
	snaps <- &cluster.Snapshot{Generation: 3, Synced: true, Inventory: inv}                          // healthy
	close(snaps)
	var written []int
	col := exporter.NewCollector()
	err = o.auditLoop(context.Background(), snaps, col, func(rep *audit.Report) { written = append(written, rep.Summary.Workloads) },
		slog.New(slog.DiscardHandler))
	if err != nil || len(written) != 1 || !col.Ready() {
		t.Errorf("writes %v (want one, of the healthy snapshot), ready %v, %v", written, col.Ready(), err)
	}
}
