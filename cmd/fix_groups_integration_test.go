//go:build integration

package cmd

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
)

// TestFixScriptPatchesEachSandboxInItsGroup runs the fix script's kubectl
// patch commands for agent-sandbox's and OpenKruise's Sandbox, both named
// box in one namespace with both CRDs served, as server-side dry runs
// with the lab's kubectl: each command reaches the object of its own
// group, never the other project's.
func TestFixScriptPatchesEachSandboxInItsGroup(t *testing.T) {
	ctx := context.Background()
	if err := seed.CRDs(ctx, cl.Config); err != nil {
		t.Fatal(err)
	}
	const file = "testdata/two-sandboxes.yaml"
	if _, err := seed.Files(ctx, cl.Config, file); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "fix", "-f", file, "--rule", "TG-IDN-001")
	if code != 0 {
		t.Fatalf("fix: exit %d: %s", code, errOut)
	}
	root, err := testcluster.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	kubectl := filepath.Join(root, "bin", "k8s", "kubectl")
	reached := map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(line, "kubectl patch ")
		if !ok {
			continue
		}
		typeName, rest, _ := strings.Cut(rest, " ")
		patch, ok := strings.CutPrefix(rest[strings.Index(rest, "-p '"):], "-p '")
		if !ok || !strings.HasSuffix(patch, "'") {
			t.Fatalf("unexpected command: %s", line)
		}
		cmd := exec.CommandContext(ctx, kubectl, "--kubeconfig", cl.Kubeconfig, "patch", typeName, "--namespace=fix-groups", "--type", "json",
			"-p", strings.TrimSuffix(patch, "'"), "--dry-run=server", "-o", "jsonpath={.apiVersion}")
		got, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v: %s", line, err, got)
		}
		if group := strings.Split(typeName, "/")[0]; !strings.HasSuffix(group, "."+strings.Split(string(got), "/")[0]) {
			t.Errorf("%s reached a %s object", typeName, got)
		}
		reached[string(got)]++
	}
	if reached["agents.x-k8s.io/v1beta1"] != 1 || reached["agents.kruise.io/v1alpha1"] != 1 {
		t.Errorf("patched %v: want each Sandbox once\n%s", reached, out)
	}
}
