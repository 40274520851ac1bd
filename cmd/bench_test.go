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
// and a burst holds several pods' at once.
func TestBenchGPUHours(t *testing.T) {
	for _, tt := range []struct {
		measured, runs, burst, gpus int
		timeout                     time.Duration
		want                        string
	}{
		{4, 20, 0, 1, 5 * time.Minute, "Each pod requests 1 nvidia.com/gpu, held until the pod is deleted, at most 10m (its start, then its first log line): 80 pods, at most 13.33 GPU-hours in all. A normal run holds far less."},
		{2, 10, 5, 2, 3 * time.Minute, "Each pod requests 2 nvidia.com/gpu, held until the pod is deleted, at most 6m (its start, then its first log line): 30 pods, at most 6 GPU-hours in all; a burst holds 10 at once. A normal run holds far less."},
	} {
		if got := gpuHours(tt.measured, tt.runs, tt.burst, tt.gpus, "nvidia.com/gpu", tt.timeout); got != tt.want {
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
