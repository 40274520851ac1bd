package cmd

import (
	"net"
	"strings"
	"testing"
	"time"
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
