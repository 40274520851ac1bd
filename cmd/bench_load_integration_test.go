//go:build integration

package cmd

import (
	"context"
	"math"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/tiergate/tiergate/bench"
	"github.com/tiergate/tiergate/bench/benchtest"
	"github.com/tiergate/tiergate/internal/testcluster"
)

// TestBenchLoadsAServer: an LLM server image on the lab. kwok forwards
// the bench pods' API port to a server of known pace; run by a user who
// holds only the bench role, the bench must recover its rate and time to
// first token through the real API server's port-forward, send every
// runtime the same seeded prompts, cross-check the engine's counter, say
// why memory is not measured (kwok plays no kubelet stats), and leave
// nothing behind.
//
// The pace: 8 requests, 4 at a time, 20 tokens each, the first after
// 150 ms, then one every 10 ms: 340 ms a request, two rounds, 160 tokens
// in 0.68 s.
func TestBenchLoadsAServer(t *testing.T) {
	seedExample(t)
	ctx := context.Background()
	kc := kubernetes.NewForConfigOrDie(cl.Config)
	f := &benchtest.Server{TTFT: 150 * time.Millisecond, Gap: 10 * time.Millisecond}
	srv := httptest.NewServer(f)
	defer srv.Close()
	const ns = "tiergate-bench-load"
	if err := cl.AddPortForward(ctx, "bench-load", testcluster.PortForwardSelector{Namespaces: []string{ns}}, 8000, strings.TrimPrefix(srv.URL, "http://")); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.RemovePortForward(ctx, "bench-load") }()
	u, err := cl.NewUser(ctx, "bench-loader", testcluster.UserOptions{Namespace: "rbac-users", ClusterRules: clusterRole(t, "tiergate-bench")})
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "bench", "--kubeconfig", u.Kubeconfig, "-n", ns, "--image", "vllm/vllm-openai:v0.11.0",
		"--arg", "--model", "--arg", benchtest.Model, "--arg", "--api-key", "--arg", "s3cret-key",
		"--runtime-classes", "runc,gvisor", "--runs", "2", "--timeout", "30s",
		"--prompts", "8", "--concurrency", "4", "--max-tokens", "20", "--yes", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "s3cret-key") {
		t.Error("a server argument was printed")
	}
	res := benchResult(t, out)
	const wantRate = 160 / 0.68
	for _, tr := range res.Targets {
		st := tr.Steady
		if st == nil || st.Load == nil {
			t.Fatalf("%s: no load measured: %+v; notes %q", tr.Target.Name, st, res.Notes)
		}
		l := st.Load
		if l.Model != benchtest.Model || l.Requests != 8 || l.Failed != 0 || l.CompletionTokens != 160 || l.TokensFrom != "usage" {
			t.Errorf("%s: load %+v", tr.Target.Name, l)
		}
		// The forward adds its own latency to every chunk alike: the
		// rate and the first token stay within 15% of the server's pace.
		if math.Abs(l.TokensPerSecond-wantRate) > wantRate*0.15 {
			t.Errorf("%s: %.1f tokens/s, want %.1f ±15%%", tr.Target.Name, l.TokensPerSecond, wantRate)
		}
		if l.TTFT.P50 < 150*time.Millisecond || l.TTFT.P50 > 150*time.Millisecond*115/100 {
			t.Errorf("%s: TTFT p50 %s, want 150ms +15%%", tr.Target.Name, l.TTFT.P50)
		}
		if l.Engine == nil || l.Engine.Name != "vLLM" || l.Engine.Tokens != 160 {
			t.Errorf("%s: the engine's count %+v, want vLLM's 160", tr.Target.Name, l.Engine)
		}
		if tr.Sequential == nil || tr.Sequential.Runs != 2 {
			t.Errorf("%s: cold starts %+v", tr.Target.Name, tr.Sequential)
		}
	}
	// Each runtime was sent the same prompts: Prompts(1, 8), twice.
	got := f.Prompts()
	slices.Sort(got)
	want := append(bench.Prompts(1, 8), bench.Prompts(1, 8)...)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the server got %d prompts, not the seeded 8 per runtime", len(got))
	}
	if env := res.Environment; env == nil || env.Load == nil || env.Load.Engine != "vLLM" || env.Load.Prompts != 8 {
		t.Errorf("environment %+v", res.Environment)
	}
	memory := ""
	for _, n := range res.Notes {
		if strings.HasPrefix(n, "memory not measured: ") {
			memory = n
		}
	}
	if memory == "" || strings.Contains(memory, "forbidden") {
		t.Errorf("memory: the notes must say why kwok's kubelets give none (not a refusal of the role): %q", res.Notes)
	}
	noBenchLeft(t, kc)
}
