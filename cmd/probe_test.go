package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/fingerprint"
	"github.com/tiergate/tiergate/probe"
)

// TestProbeLocalIsConsistent runs tiergate probe --local where the tests
// run (a container, a VM, a laptop: whatever it is) and checks that the
// verdict it prints is the one its printed facts give, and that the text
// output shows the same evidence.
func TestProbeLocalIsConsistent(t *testing.T) {
	if runtime.GOOS != "linux" {
		_, errOut, code := run(t, "", "probe", "--local")
		if code != ExitUsage || !strings.Contains(errOut, "Linux") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return
	}
	out, errOut, code := run(t, "", "probe", "--local", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got probe.LocalOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	f := got.Facts
	if !strings.HasPrefix(f.Version, "Linux version ") || f.Release == "" {
		t.Fatalf("the local facts lack the kernel: %+v", f)
	}
	if f.NodeKernel != "" {
		t.Errorf("a local probe knows no node kernel, got %q", f.NodeKernel)
	}
	if again := fingerprint.Decide(f); !equalVerdicts(again, got.Verdict) {
		t.Errorf("printed verdict %+v, its facts give %+v", got.Verdict, again)
	}
	// Each kind needs its evidence among the facts.
	switch got.Verdict.Kind {
	case fingerprint.GVisor:
		if f.SentryMeminfo != fingerprint.Present && !strings.Contains(f.Release+f.Version+f.Cmdline+f.Dmesg, "gVisor") && !strings.Contains(f.Release+f.Cmdline, "gvisor") && !strings.Contains(f.Version, "PST 2016") {
			t.Errorf("gvisor without a gVisor fact: %+v", f)
		}
	case fingerprint.VM, fingerprint.MicroVM:
		if f.Hypervisor != fingerprint.Present && f.DMIVendor == "" && !strings.Contains(f.RootMount, "kataShared") && !strings.Contains(f.Cmdline, "reboot=k") {
			t.Errorf("%s without a VM fact: %+v", got.Verdict.Kind, f)
		}
	case fingerprint.SharedKernel:
		if f.Hypervisor != fingerprint.Absent {
			t.Errorf("shared-kernel without a node kernel needs the hypervisor flag read absent: %+v", f)
		}
	}
	// Told that the node runs this very kernel, the verdict is the
	// node's kernel, unless a gVisor or Kata-root marker contradicts it;
	// told another kernel, it is never the node's.
	same := probeLocal(t, "--node-kernel", f.Release)
	conflicting := f.SentryMeminfo == fingerprint.Present || strings.HasPrefix(f.RootMount, "kataShared ")
	switch {
	case same.Facts.NodeKernel != f.Release:
		t.Errorf("--node-kernel not taken: %q", same.Facts.NodeKernel)
	case !conflicting && same.Verdict.Kind != fingerprint.SharedKernel:
		t.Errorf("node kernel = own release gave %s: %+v", same.Verdict, same.Verdict.Evidence)
	case conflicting && same.Verdict.Kind != fingerprint.Unknown:
		t.Errorf("a sandbox marker on the node's kernel gave %s, want unknown", same.Verdict)
	}
	if other := probeLocal(t, "--node-kernel", "0.0.1-not-this-one"); other.Verdict.Kind == fingerprint.SharedKernel {
		t.Errorf("a kernel other than the node's was called the node's: %+v", other.Verdict)
	}
	text, _, code := run(t, "", "probe", "--local")
	if code != 0 || !strings.Contains(text, "PROBED     "+got.Verdict.String()) {
		t.Fatalf("exit %d: %s", code, text)
	}
	for _, ev := range got.Verdict.Evidence {
		if !strings.Contains(text, ev) {
			t.Errorf("text output lacks evidence %q:\n%s", ev, text)
		}
	}
}

func probeLocal(t *testing.T, args ...string) probe.LocalOutput {
	t.Helper()
	out, errOut, code := run(t, "", append([]string{"probe", "--local", "-o", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got probe.LocalOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return got
}

func equalVerdicts(a, b fingerprint.Verdict) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestProbeFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"probe"}, "name a POD to probe, or --local"},
		{[]string{"probe", "--local", "vllm-0"}, "give a POD or --local, not both"},
		{[]string{"probe", "--local", "-c", "main"}, "--local takes neither"},
		{[]string{"probe", "--local", "-o", "yaml"}, `--output "yaml" is not json`},
		{[]string{"probe", "a", "b"}, "accepts at most 1 arg"},
		{[]string{"probe", "--nope"}, "unknown flag: --nope"},
		{[]string{"probe", "vllm-0", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"probe", "vllm-0", "--node-kernel", "6.8.0"}, "--node-kernel is for --local"},
		{[]string{"probe", "--local", "--probe-image", "img"}, "-c and --probe-image choose where to probe a POD; --local takes neither"},
		{[]string{"--probe-image", "img", "-f", example}, "--probe-image probes live pods; files (-f) have none"},
	} {
		_, errOut, code := run(t, "", c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want one line with %q", c.args, code, errOut, c.want)
		}
	}
}

// --context completes from the kubeconfig's contexts, no cluster needed.
func TestContextCompletion(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "config")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {}}]
contexts:
- {name: prod-eu, context: {cluster: c, user: u}}
- {name: dev, context: {cluster: c, user: u}}
current-context: dev
`
	if err := os.WriteFile(kc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "", "__complete", "audit", "--kubeconfig", kc, "--context", "")
	if code != 0 || !strings.HasPrefix(out, "dev\nprod-eu\n:4\n") {
		t.Errorf("context completion: exit %d\n%q", code, out)
	}
}
