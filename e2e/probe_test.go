//go:build integration

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/tiergate/tiergate/fingerprint"
	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/probe"
)

// TestTUIProbe presses p on a kata pod whose node reports this machine's
// kernel: the real exec path (the API server, kwok's kubelet stream, cat
// run on this machine) finds the node's kernel, the kernel column turns
// to "✗ shared" and TG-ISO-005 becomes the worst finding; the detail view
// shows the evidence.
func TestTUIProbe(t *testing.T) {
	bin := buildBinary(t)
	ctx := context.Background()
	local, err := probe.Local(ctx)
	if err != nil {
		t.Fatal(err)
	}
	asNode := local
	asNode.NodeKernel = local.Release
	if v := fingerprint.Decide(asNode); v.Kind != fingerprint.SharedKernel {
		t.Skipf("this machine's kernel cannot stand for a node's: %s (%v)", v, v.Conflicts)
	}
	if err := seed.ProbeExec(ctx, cl.Config, local.Release); err != nil {
		t.Fatal(err)
	}
	if err := seed.WaitForPodsIn(ctx, cl.Config, "probe-exec", 2, time.Minute); err != nil {
		t.Fatal(err)
	}
	s := startTmux(t, 160, 40, []string{"KUBECONFIG=" + cl.Kubeconfig, "TERM=xterm-256color"}, bin, "-n", "probe-exec", "--metrics=false")
	const wait = 30 * time.Second
	s.waitFor("namespace probe-exec", wait, []string{"namespace probe-exec", "synced", "probe-exec/kata-runner", "VM guest"})
	s.keys("/")
	s.typeText("kata-runner")
	s.keys("Enter")
	s.waitFor("the filtered table", wait, []string{"probe-exec/kata-runner", "1/1"}, "plain-runner")
	s.keys("j", "p")
	s.waitFor("the probe", wait, []string{"✗ shared", "critical ISO-005", "probed probe-exec/kata-runner: shared-kernel"})
	s.keys("Enter")
	s.waitFor("the detail view", wait, []string{"Pod probe-exec/kata-runner", "kernel: ✗ shared — shared-kernel, probed via exec in container runner; declared VM guest",
		"equals the node's kernelVersion: the pod shares the node's kernel", "CRITICAL TG-ISO-005"})
	s.keys("q")
	if code := s.exitStatus(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}
