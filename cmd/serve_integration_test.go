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
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestServeScrapedByPrometheus: tiergate serve on the lab cluster is
// ready once it has audited, and a real Prometheus (Debian's, as the
// metrics tests use) scraping it answers the below-tier question with the
// one-shot audit's own count; SIGTERM's context stops it cleanly.
func TestServeScrapedByPrometheus(t *testing.T) {
	seedExample(t)
	bin := ""
	for _, p := range []string{os.Getenv("TIERGATE_PROMETHEUS"), "../bin/prometheus/prometheus"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				bin = p
				break
			}
		}
	}
	if bin == "" {
		t.Fatal("no prometheus binary (make prometheus-bin installs one into bin/prometheus)")
	}
	out, _, code := run(t, "", "audit", "--kubeconfig", cl.Kubeconfig, "-A", "-o", "json")
	if code == ExitUsage {
		t.Fatalf("one-shot audit: exit %d", code)
	}
	var one struct {
		Summary struct{ ByVerdict map[string]int }
	}
	if err := json.Unmarshal([]byte(out), &one); err != nil {
		t.Fatal(err)
	}
	want := one.Summary.ByVerdict["below-tier"]

	ctx, stop := context.WithCancel(context.Background())
	var logs bytes.Buffer
	o := &ServeOptions{ScopeOptions: ScopeOptions{kube: genericclioptions.NewConfigFlags(true)}, Listen: "127.0.0.1:0",
		IOStreams: genericiooptions.IOStreams{Out: &bytes.Buffer{}, ErrOut: &logs}}
	addr := make(chan string, 1)
	o.ready = func(a string) { addr <- a }
	c := newCmdServeWith(o)
	c.SetArgs([]string{"--kubeconfig", cl.Kubeconfig, "-A", "--listen", "127.0.0.1:0"})
	done := make(chan error, 1)
	go func() { done <- c.ExecuteContext(ctx) }()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("serve stopped: %v\n%s", err, logs.String())
	case <-time.After(time.Minute):
		t.Fatalf("serve did not listen:\n%s", logs.String())
	}
	waitStatus(t, base+"/readyz", http.StatusOK, 2*time.Minute)

	// Prometheus scraping serve every second.
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	host := strings.TrimPrefix(base, "http://")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: tiergate\n    static_configs:\n      - targets: ['%s']\n", host)), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	promAddr := l.Addr().String()
	l.Close()
	prom := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promAddr, "--log.level=warn")
	var promLogs strings.Builder
	prom.Stdout, prom.Stderr = &promLogs, &promLogs
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = prom.Process.Kill(); _ = prom.Wait() })
	waitStatus(t, "http://"+promAddr+"/-/ready", http.StatusOK, 30*time.Second)

	query := `sum(tiergate_workloads{verdict="below-tier"})`
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, ok := promQuery(t, "http://"+promAddr, query)
		if ok && got == float64(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v (answered %v), the one-shot audit counts %d below tier\n%s", query, got, ok, want, promLogs.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	if want == 0 {
		t.Fatal("the lab has no below-tier workload: the test tests nothing")
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(logs.String(), `"msg":"audited"`) || !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("logs:\n%s", logs.String())
	}
}

func waitStatus(t *testing.T, u string, status int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == status {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not %d after %v (%v)", u, status, within, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// promQuery is an instant query's single value.
func promQuery(t *testing.T, base, q string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Data.Result) != 1 {
		return 0, false
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}
