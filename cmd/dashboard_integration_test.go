//go:build integration

package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// dashboardQueries reads deploy/grafana/tiergate.json's PromQL: each
// panel's targets by title, and the template variables' queries.
func dashboardQueries(t *testing.T) (panels map[string]string, variables []string) {
	t.Helper()
	raw, err := os.ReadFile("../deploy/grafana/tiergate.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
		Templating struct {
			List []struct {
				Type  string
				Query json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	panels = map[string]string{}
	for _, p := range d.Panels {
		for i, tg := range p.Targets {
			panels[fmt.Sprintf("%s #%d", p.Title, i)] = tg.Expr
		}
	}
	for _, v := range d.Templating.List {
		var q struct{ Query string }
		if v.Type == "query" && json.Unmarshal(v.Query, &q) == nil {
			variables = append(variables, q.Query)
		}
	}
	return panels, variables
}

// TestDashboardQueriesOnPrometheus: every query of the Grafana dashboard,
// its namespace variable set to all, is accepted by a real Prometheus
// (Debian's, as the serve test uses) scraping tiergate serve on the lab,
// and answers with data: no panel of the dashboard stays empty.
func TestDashboardQueriesOnPrometheus(t *testing.T) {
	seedExample(t)
	prom := ""
	for _, p := range []string{os.Getenv("TIERGATE_PROMETHEUS"), "../bin/prometheus/prometheus"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				prom = p
				break
			}
		}
	}
	if prom == "" {
		t.Fatal("no prometheus binary (make prometheus-bin installs one into bin/prometheus)")
	}
	panels, variables := dashboardQueries(t)
	if len(panels) < 8 || len(variables) != 1 {
		t.Fatalf("%d panel queries, %d variables", len(panels), len(variables))
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var logs bytes.Buffer
	o := &ServeOptions{ScopeOptions: ScopeOptions{kube: genericclioptions.NewConfigFlags(true)}, Listen: "127.0.0.1:0",
		IOStreams: genericiooptions.IOStreams{Out: &bytes.Buffer{}, ErrOut: &logs}}
	addr := make(chan string, 1)
	o.ready = func(a string) { addr <- a }
	c := newCmdServeWith(o)
	c.SetArgs([]string{"--kubeconfig", cl.Kubeconfig, "-A", "--listen", "127.0.0.1:0"})
	done := make(chan error, 1)
	go func() { done <- c.ExecuteContext(ctx) }()
	stopped := false
	defer func() {
		stop()
		if !stopped {
			if err := <-done; err != nil {
				t.Errorf("serve stopped with %v", err)
			}
		}
	}()
	var serveAddr string
	select {
	case serveAddr = <-addr:
	case err := <-done:
		stopped = true
		t.Fatalf("serve stopped: %v\n%s", err, logs.String())
	case <-time.After(time.Minute):
		t.Fatalf("serve did not listen:\n%s", logs.String())
	}
	waitStatus(t, "http://"+serveAddr+"/readyz", http.StatusOK, 2*time.Minute)

	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: tiergate\n    static_configs:\n      - targets: ['%s']\n", serveAddr)), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	promAddr := l.Addr().String()
	l.Close()
	p := exec.Command(prom, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promAddr, "--log.level=warn")
	var promLogs strings.Builder
	p.Stdout, p.Stderr = &promLogs, &promLogs
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Process.Kill(); _ = p.Wait() })
	base := "http://" + promAddr
	waitStatus(t, base+"/-/ready", http.StatusOK, 30*time.Second)

	// Grafana's "All" for the namespace variable is its allValue, .*;
	// label_values(M, L) is Grafana's: Prometheus answers it as a series
	// query for M, whose results must carry L.
	all := func(e string) string { return strings.ReplaceAll(e, "$namespace", ".*") }
	deadline := time.Now().Add(45 * time.Second)
	for name, expr := range panels {
		for {
			n, err := instantQuery(base, all(expr))
			if err != nil {
				t.Fatalf("%s: Prometheus rejects %q: %v", name, expr, err)
			}
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %q answers no series after the lab was scraped\n%s", name, expr, promLogs.String())
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	for _, v := range variables {
		metric, label, ok := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(v, "label_values("), ")"), ",")
		if !ok {
			t.Fatalf("variable query %q is not label_values(metric, label)", v)
		}
		q := fmt.Sprintf("count by (%s) (%s)", strings.TrimSpace(label), metric)
		if n, err := instantQuery(base, q); err != nil || n < 2 {
			t.Errorf("variable %q: %q gives %d values, %v (the lab has several namespaces)", v, q, n, err)
		}
	}
}

// instantQuery asks Prometheus for expr and returns how many series or
// samples answer; a query Prometheus cannot parse or run is an error.
func instantQuery(base, expr string) (int, error) {
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Status    string
		ErrorType string
		Error     string
		Data      struct {
			ResultType string
			Result     json.RawMessage
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, err
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("%s: %s", r.ErrorType, r.Error)
	}
	if r.Data.ResultType == "scalar" {
		return 1, nil
	}
	var series []json.RawMessage
	if err := json.Unmarshal(r.Data.Result, &series); err != nil {
		return 0, err
	}
	return len(series), nil
}
