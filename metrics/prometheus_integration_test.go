//go:build integration

package metrics

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// prometheusBinary finds the server hack/prometheus/install.sh puts in
// bin/, or one on PATH; without one the test skips, unless
// TIERGATE_INTEGRATION=1 (CI) makes that a failure.
func prometheusBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("TIERGATE_PROMETHEUS"), "../bin/prometheus/prometheus"} {
		if p != "" {
			if abs, err := filepath.Abs(p); err == nil {
				if _, err := os.Stat(abs); err == nil {
					return abs
				}
			}
		}
	}
	if p, err := exec.LookPath("prometheus"); err == nil {
		return p
	}
	if os.Getenv("TIERGATE_INTEGRATION") == "1" {
		t.Fatal("no prometheus binary (make prometheus-bin installs one into bin/prometheus)")
	}
	t.Skip("no prometheus binary: make prometheus-bin installs one")
	return ""
}

// exporter serves one engine's exposition whose counters grow at fixed
// rates with the wall clock, as a busy server's do.
type exporter struct {
	pod    string
	format func(secs float64) string
	tokens float64 // tokens per second it generates
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestPrometheusSourceAgainstARealServer starts Debian's Prometheus on
// loopback, scraping every second three exporters in vLLM, SGLang and
// llama.cpp format and a DCGM exporter, with pod and namespace attached by
// relabelling as a Kubernetes service discovery would; tiergate's
// Prometheus source must return each pod's rates.
func TestPrometheusSourceAgainstARealServer(t *testing.T) {
	bin := prometheusBinary(t)
	start := time.Now()
	exporters := []exporter{
		{"vllm-0", func(s float64) string {
			return fmt.Sprintf("# TYPE vllm:generation_tokens_total counter\nvllm:generation_tokens_total{model_name=\"m\"} %g\n# TYPE vllm:prompt_tokens_total counter\nvllm:prompt_tokens_total{model_name=\"m\"} %g\n# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"m\"} 3\n# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc{model_name=\"m\"} 0.25\n", 5000+120*s, 300*s)
		}, 120},
		{"sglang-0", func(s float64) string {
			return fmt.Sprintf("# TYPE sglang:generation_tokens_total counter\nsglang:generation_tokens_total{model_name=\"m\"} %g\n# TYPE sglang:num_running_reqs gauge\nsglang:num_running_reqs{model_name=\"m\"} 7\n", 45*s)
		}, 45},
		{"llama-0", func(s float64) string {
			return fmt.Sprintf("# TYPE llamacpp:tokens_predicted_total counter\nllamacpp:tokens_predicted_total %g\n# TYPE llamacpp:requests_processing gauge\nllamacpp:requests_processing 1\n", 7.5*s)
		}, 7.5},
		{"dcgm-exporter-x", func(float64) string {
			return "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",namespace=\"llm\",pod=\"vllm-0\"} 64\nDCGM_FI_DEV_GPU_UTIL{gpu=\"1\",namespace=\"llm\",pod=\"vllm-0\"} 80\nDCGM_FI_DEV_FB_USED{gpu=\"0\",namespace=\"llm\",pod=\"vllm-0\"} 2048\n"
		}, 0},
	}
	var jobs strings.Builder
	for _, e := range exporters {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			fmt.Fprint(w, e.format(time.Since(start).Seconds()))
		}))
		t.Cleanup(srv.Close)
		addr := strings.TrimPrefix(srv.URL, "http://")
		ns := "llm"
		if strings.HasPrefix(e.pod, "dcgm") {
			// The exporter's pod is relabelled as any target is, without
			// honor_labels: its own pod mapping's labels arrive as
			// exported_pod and exported_namespace.
			ns = "gpu-operator"
		}
		fmt.Fprintf(&jobs, `  - job_name: %s
    static_configs:
      - targets: ['%s']
        labels:
          __meta_pod: %s
    relabel_configs:
      - source_labels: [__meta_pod]
        target_label: pod
      - target_label: namespace
        replacement: %s
`, e.pod, addr, e.pod, ns)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"+jobs.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--log.level=warn")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitReady(t, base+"/-/ready", &logs)

	prom, err := NewPrometheus(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	const window = 5 * time.Second
	c := NewCollector(Sources{Prometheus: prom}, Options{Window: "5s", Timeout: 5 * time.Second})
	targets := []Target{
		{PodKey: PodKey{"gpu-operator", "dcgm-exporter-x"}, Running: true},
		{PodKey: PodKey{"llm", "vllm-0"}, Running: true, Server: true, GPUs: true},
		{PodKey: PodKey{"llm", "sglang-0"}, Running: true, Server: true},
		{PodKey: PodKey{"llm", "llama-0"}, Running: true, Server: true},
	}
	// rate() needs two samples in its window, and extrapolates less than
	// the whole window while the series is younger than it: poll until
	// every pod has a rate over a window that is all history.
	deadline := time.Now().Add(45 * time.Second)
	var snap *Snapshot
	for {
		snap = c.Collect(context.Background(), targets, nil)
		ready := true
		for _, tg := range targets[1:] {
			ready = ready && snap.Pods[tg.PodKey].TokensPerSecond != nil
		}
		if ready && time.Since(start) > 2*window {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rates after 45s: %+v %+v %+v notes %q\nprometheus log:\n%s", snap.Pods[targets[1].PodKey], snap.Pods[targets[2].PodKey], snap.Pods[targets[3].PodKey], snap.Notes, logs.String())
		}
		time.Sleep(time.Second)
	}
	engines := map[string]string{"vllm-0": "vLLM", "sglang-0": "SGLang", "llama-0": "llama.cpp"}
	for i, tg := range targets[1:] {
		p := snap.Pods[tg.PodKey]
		want := exporters[i].tokens
		if got := *p.TokensPerSecond; math.Abs(got-want) > want*0.1 {
			t.Errorf("%s: %.2f tokens/s, want %.2f ±10%%", tg.Name, got, want)
		}
		if p.Engine != engines[tg.Name] || p.ServingSource != SourcePrometheus {
			t.Errorf("%s: engine %q from %q", tg.Name, p.Engine, p.ServingSource)
		}
	}
	v := snap.Pods[PodKey{"llm", "vllm-0"}]
	if v.PromptTokensPerSecond == nil || math.Abs(*v.PromptTokensPerSecond-300) > 30 || val(v.RequestsRunning) != "3" || val(v.KVCacheUsage) != "0.25" {
		t.Errorf("vllm-0: prompt %s/s running %s kv %s", val(v.PromptTokensPerSecond), val(v.RequestsRunning), val(v.KVCacheUsage))
	}
	if val(v.GPUUtil) != "72" || val(v.GPUMemoryUsedBytes) != "2.147483648e+09" || v.GPUSource != SourcePrometheus {
		t.Errorf("vllm-0 GPU: util %s mem %s from %q", val(v.GPUUtil), val(v.GPUMemoryUsedBytes), v.GPUSource)
	}
	if x := snap.Pods[PodKey{"gpu-operator", "dcgm-exporter-x"}]; x.GPUUtil != nil || x.Why[FigureGPU] != WhyNoGPU {
		t.Errorf("the exporter's own pod got its GPUs' figures: %+v", x)
	}
	if s := snap.Pods[PodKey{"llm", "sglang-0"}]; val(s.RequestsRunning) != "7" {
		t.Errorf("sglang-0 running %s", val(s.RequestsRunning))
	}
}

func waitReady(t *testing.T, url string, logs *strings.Builder) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready after 30s (%v):\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
