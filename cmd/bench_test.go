package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/bench"
)

// The GPU hours the bench may hold: every pod holds its GPUs until it is
// deleted, at most twice --timeout (its start, then its first log line),
// and a burst holds several pods' at once; the steady pod of each
// runtime counts, and a server's holds its GPUs through the load.
func TestBenchGPUHours(t *testing.T) {
	for _, tt := range []struct {
		measured, runs, burst, gpus int
		timeout                     time.Duration
		serving                     bool
		want                        string
	}{
		{4, 20, 0, 1, 5 * time.Minute, false, "Each pod requests 1 nvidia.com/gpu, held until the pod is deleted, at most 10m (its start, then its first log line): 84 pods, at most 14 GPU-hours in all. A normal run holds far less."},
		{2, 10, 5, 2, 3 * time.Minute, true, "Each pod requests 2 nvidia.com/gpu, held until the pod is deleted, at most 6m (its start, then its first log line): 32 pods, at most 6.4 GPU-hours in all; a burst holds 10 at once; the server pods hold theirs through the load too. A normal run holds far less."},
	} {
		if got := gpuHours(tt.measured, tt.runs, tt.burst, tt.gpus, "nvidia.com/gpu", tt.timeout, tt.serving); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

// A password in the kubeconfig's server URL is never shown: not in the
// plan on stderr, not in the report's environment.
func TestBenchHidesTheServersPassword(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "config")
	cfg := "apiVersion: v1\nkind: Config\ncurrent-context: lab\ncontexts:\n- name: lab\n  context: {cluster: lab, user: u}\n" +
		"clusters:\n- name: lab\n  cluster: {server: 'https://admin:s3cret@lab.example:6443'}\nusers:\n- name: u\n  user: {}\n"
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	kube := genericclioptions.NewConfigFlags(true)
	kube.KubeConfig = &kubeconfig
	var errOut bytes.Buffer
	o := &BenchOptions{ScopeOptions: ScopeOptions{kube: kube}, IOStreams: genericiooptions.IOStreams{ErrOut: &errOut}, Runs: 1, Timeout: time.Minute}
	o.describePlan([]bench.Target{{Name: bench.DefaultTarget}}, 1)
	_, server := o.shownContextAndServer()
	if strings.Contains(errOut.String()+server, "s3cret") || !strings.Contains(errOut.String(), "lab.example:6443") {
		t.Errorf("plan %q, server %q", errOut.String(), server)
	}
}

// Flags that drive an LLM server are refused, on one line, where there
// is none to drive, and a server that needs a model to pull needs one.
func TestBenchServerFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "qwen"}, "--model: only for an LLM server image; registry.k8s.io/e2e-test-images/busybox:1.36.1-1 is none (name its engine with --engine)"},
		{[]string{"--arg", "--model"}, "--arg and --port are for an LLM server image"},
		{[]string{"--engine", "vllmx"}, `--engine "vllmx": want one of vLLM, Hugging Face TGI, SGLang, llama.cpp, Ollama`},
		{[]string{"--image", "ollama/ollama:0.12.6"}, "Ollama starts with no model: name the one to pull and load with --model"},
		{[]string{"--image", "vllm/vllm-openai:v0.11.0", "--concurrency", "0"}, "--concurrency must be at least 1, not 0"},
		{[]string{"--image", "vllm/vllm-openai:v0.11.0", "--memory", "lots"}, `--memory "lots": want a quantity such as 8Gi`},
		{[]string{"--image", "vllm/vllm-openai:v0.11.0", "--port", "70000"}, "--port 70000: want 1-65535"},
	} {
		_, errOut, code := run(t, "", append([]string{"bench", "--kubeconfig", filepath.Join(t.TempDir(), "none")}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%v: exit %d: %q, want %q", tt.args, code, errOut, tt.want)
		}
	}
}
