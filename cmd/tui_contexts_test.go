package cmd

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/ui"
)

// TestViewFleetFlags: the view takes the fleet audit's --contexts and
// --all-contexts, checked as the audit checks them, before a terminal is
// looked for.
func TestViewFleetFlags(t *testing.T) {
	kc := deadKubeconfig(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--contexts", "east", "--all-contexts"}, "--contexts and --all-contexts: use one"},
		{[]string{"--contexts", "east", "-f", "../examples/llm-platform.yaml"}, "-f audits files: use one"},
		{[]string{"--all-contexts", "--context", "west"}, "--context names one cluster or user"},
		{[]string{"--contexts", ""}, "--contexts needs context names (got an empty value)"},
		{[]string{"--all-contexts", "--cluster-concurrency", "0"}, "--cluster-concurrency at least 1"},
		{[]string{"--all-contexts"}, "no terminal"}, // the flags are good
	} {
		_, errOut, code := run(t, "", append([]string{"--kubeconfig", kc}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
}

// hungKubeconfig has a context whose server accepts connections and
// never answers, and one that refuses them.
func hungKubeconfig(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters:
- {name: h, cluster: {server: "https://` + l.Addr().String() + `", insecure-skip-tls-verify: true}}
- {name: r, cluster: {server: "https://127.0.0.1:1"}}
users:
- {name: u, user: {token: not-a-real-token}}
contexts:
- {name: hung, context: {cluster: h, user: u, namespace: llm}}
- {name: refused, context: {cluster: r, user: u}}
current-context: refused
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOpenContext: :ctx opens a context as the fleet audit resolves it:
// a name the kubeconfig lacks and a server that refuses are errors the
// view shows; a server that hangs is given up after --cluster-timeout.
func TestOpenContext(t *testing.T) {
	kc := hungKubeconfig(t)
	kube := genericclioptions.NewConfigFlags(true)
	kube.KubeConfig = &kc
	tools := func(rc *rest.Config) (ui.Tools, error) {
		if rc.Host == "" {
			t.Errorf("tools for a config without a server")
		}
		return ui.Tools{}, nil
	}
	feeds := newLiveFeeds(context.Background(), ScopeOptions{kube: kube}, tools, FleetOptions{ClusterTimeout: 500 * time.Millisecond, Concurrency: 2})
	defer feeds.stopAll()
	if _, err := feeds.openContext("north"); err == nil || !strings.Contains(err.Error(), "north not in the kubeconfig (it has hung, refused)") {
		t.Errorf("an unknown context: %v", err)
	}
	if _, err := feeds.openContext("refused"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("a refusing server: %v", err)
	}
	start := time.Now()
	_, err := feeds.openContext("hung")
	if err == nil || !strings.Contains(err.Error(), "not connected in 500ms (--cluster-timeout)") || time.Since(start) > 5*time.Second {
		t.Errorf("a hung server: %v after %v", err, time.Since(start))
	}
}

// TestCompleteContexts: --contexts completes the kubeconfig's contexts,
// item by item, for the view and the audit alike.
func TestCompleteContexts(t *testing.T) {
	kc := deadKubeconfig(t)
	for _, args := range [][]string{{"--contexts", "east,"}, {"audit", "--contexts", "east,"}} {
		out, _, code := run(t, "", append([]string{"__complete", "--kubeconfig", kc}, args...)...)
		if code != 0 || !strings.Contains(out, "east,west\n") || strings.Contains(out, "east,east") {
			t.Errorf("%v: exit %d:\n%s", args, code, out)
		}
	}
}

// TestFleetViewKeepsTheMetricsInterval: opened on the fleet, the view
// reads no figures until :ctx NAME opens one cluster; then they are read
// every --metrics-interval, not the default.
func TestFleetViewKeepsTheMetricsInterval(t *testing.T) {
	kc := hungKubeconfig(t)
	kube := genericclioptions.NewConfigFlags(true)
	kube.KubeConfig = &kc
	o := &TUIOptions{ScopeOptions: ScopeOptions{kube: kube}, Fleet: FleetOptions{AllContexts: true, ClusterTimeout: time.Second, Concurrency: 1}}
	o.Metrics.Enabled, o.Metrics.Interval = true, 7*time.Second
	feeds := newLiveFeeds(context.Background(), o.ScopeOptions, o.clusterTools, o.Fleet)
	defer feeds.stopAll()
	var cfg ui.Config
	if err := o.liveConfig(&cfg, feeds); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Fleet) != 2 || cfg.MetricsInterval != 7*time.Second {
		t.Errorf("fleet %v, metrics every %v", cfg.Fleet, cfg.MetricsInterval)
	}
}
