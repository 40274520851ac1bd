package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestFixScriptIsValidShell(t *testing.T) {
	out, errOut, code := run(t, "", "fix", "-f", example)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"#!/bin/sh\n", "kubectl patch deployment/research-agent --namespace=agents --type strategic -p '", "kubectl apply -f - <<'TIERGATE_EOF'", "# ── Left to a human"} {
		if !strings.Contains(out, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	shellCheck(t, out)
}

// shellCheck parses the script with sh -n: it must be valid shell.
func shellCheck(t *testing.T, script string) {
	t.Helper()
	sh := exec.Command("sh", "-n")
	sh.Stdin = strings.NewReader(script)
	if b, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("sh -n: %v: %s", err, b)
	}
}

// TestFixScriptQuotesHostileNames: names and messages from a manifest
// cannot run commands in the script.
func TestFixScriptQuotesHostileNames(t *testing.T) {
	dir := t.TempDir()
	m := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: "a;touch pwned"
  namespace: "ns$(id)"
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata:
      labels: {app: "x"}
    spec:
      containers:
      - name: "vllm\nrm -rf ~"
        image: "vllm/vllm-openai:v0.9.2\ntouch pwned"
`
	p := filepath.Join(dir, "hostile.yaml")
	if err := os.WriteFile(p, []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "fix", "-f", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	shellCheck(t, out)
	// Names no API server would take are never put into a command.
	if strings.Contains(out, "\nkubectl ") || !strings.Contains(out, "why: its name or namespace is not a valid Kubernetes name") {
		t.Errorf("a hostile name reached a command, or was not left to a human:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "rm -rf") || strings.HasPrefix(line, "touch pwned") {
			t.Errorf("a manifest value escaped into a command line: %q", line)
		}
	}
}

func TestFixJSON(t *testing.T) {
	out, errOut, code := run(t, "", "fix", "-f", example, "-o", "json", "--rule", "TG-IDN-*")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Fixes []struct {
			Kind     string          `json:"kind"`
			Patch    json.RawMessage `json:"patch"`
			Resolves []struct{ Rule string }
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Fixes) == 0 {
		t.Fatal("no fixes")
	}
	for _, f := range res.Fixes {
		var compact bytes.Buffer
		if err := json.Compact(&compact, f.Patch); err != nil {
			t.Fatal(err)
		}
		// A strategic merge patch, or a custom resource's JSON patch.
		p := compact.String()
		if f.Kind != "service-account-token" || !(strings.Contains(p, `"automountServiceAccountToken":false`) || strings.Contains(p, `/automountServiceAccountToken","value":false`)) {
			t.Errorf("--rule TG-IDN-* gave a %s fix: %s", f.Kind, f.Patch)
		}
	}
}

func TestFixKustomizeWritesOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fixes")
	out, errOut, code := run(t, "", "fix", "-f", example, "-o", "kustomize", "--output-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.HasPrefix(out, "wrote ") {
		t.Errorf("stdout: %q", out)
	}
	k, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(k), "- path: patch-deployment-agents-research-agent.yaml") {
		t.Errorf("kustomization.yaml:\n%s", k)
	}
	_, errOut, code = run(t, "", "fix", "-f", example, "-o", "kustomize", "--output-dir", dir)
	if code != ExitUsage || !strings.Contains(errOut, "does not overwrite") {
		t.Errorf("second run into the same dir: exit %d, %q", code, errOut)
	}
}

func TestFixFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"fix", "-f", example, "--apply"}, "--apply changes a live cluster"},
		{[]string{"fix", "-f", example, "-o", "kustomize"}, "needs --output-dir"},
		{[]string{"fix", "-f", example, "--output-dir", "x"}, "--output-dir is for -o kustomize and -o manifests"},
		{[]string{"fix", "-f", example, "-o", "manifests"}, "needs --output-dir DIR or --in-place"},
		{[]string{"fix", "-f", example, "-o", "manifests", "--in-place", "--output-dir", "x"}, "needs --output-dir DIR or --in-place"},
		{[]string{"fix", "-f", example, "--in-place"}, "--in-place is for -o manifests"},
		{[]string{"fix", "-f", "-", "-o", "manifests", "--in-place"}, "cannot rewrite standard input"},
		{[]string{"fix", "-f", example, "-o", "yaml"}, `--output "yaml" is not one of`},
		{[]string{"fix", "-f", example, "--rule", "TG-NOPE-001"}, "no such rule"},
		{[]string{"fix", "-f", example, "--rule", "TG-[ISO"}, "bad pattern"},
		{[]string{"fix", "-f", example, "--type", "chatbot"}, `--type "chatbot"`},
		{[]string{"fix", "-f", example, "--min-severity", "urgent"}, "--min-severity"},
		{[]string{"fix", "-f", example, "--yes"}, "go with --apply"},
		{[]string{"fix", "-f", example, "--force-conflicts"}, "go with --apply"},
		{[]string{"fix", "-f", example, "-o", "kustomize", "--output-dir", "x", "--allow-pending"}, "--allow-pending goes with --apply and -o patch"},
		{[]string{"fix", "-f", example, "--bogus"}, "unknown flag"},
	} {
		t.Run(strings.Join(tt.args[3:], " "), func(t *testing.T) {
			out, errOut, code := run(t, "", tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", code, out, errOut, tt.want)
			}
		})
	}
}

func TestFixManifestsInPlaceAndToDir(t *testing.T) {
	src, err := os.ReadFile("../remediate/testdata/manifests/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "platform.yaml")
	if err := os.WriteFile(in, src, 0o600); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	out, errOut, code := run(t, "", "fix", "-f", in, "-o", "manifests", "--output-dir", outDir)
	if code != 0 || !strings.Contains(out, "wrote "+filepath.Join(outDir, "platform.yaml")) {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if got, _ := os.ReadFile(in); string(got) != string(src) {
		t.Fatal("--output-dir changed the input file")
	}
	rewritten, err := os.ReadFile(filepath.Join(outDir, "platform.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// In place: the same content, the file's mode kept, and the result
	// (with the new objects) audits clean.
	_, errOut, code = run(t, "", "fix", "-f", in, "-o", "manifests", "--in-place")
	if code != 0 {
		t.Fatalf("--in-place: exit %d: %s", code, errOut)
	}
	got, _ := os.ReadFile(in)
	if string(got) != string(rewritten) {
		t.Error("--in-place and --output-dir wrote different files")
	}
	if info, _ := os.Stat(in); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the input's 0600", info.Mode().Perm())
	}
	out, errOut, code = run(t, "", "audit", "-f", in, "-f", filepath.Join(dir, "tiergate-new-objects.yaml"), "--fail-on", "low")
	if code != 0 {
		t.Errorf("the rewritten files still have findings: exit %d\n%s%s", code, out, errOut)
	}
}

func TestFixManifestsRefusesJSON(t *testing.T) {
	p := filepath.Join(t.TempDir(), "agent.json")
	doc := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","namespace":"n"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"vllm","image":"vllm/vllm-openai:v0.9.2"}]}}}}`
	if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, "", "fix", "-f", p, "-o", "manifests", "--in-place")
	if code != ExitUsage || !strings.Contains(errOut, "JSON") {
		t.Errorf("exit %d: %q", code, errOut)
	}
	if got, _ := os.ReadFile(p); string(got) != doc {
		t.Error("the JSON file was changed")
	}
}

// TestFixManifestsTwiceInPlaceAndThroughSymlinks: a second --in-place run
// adds to the new-objects file of the first; a symlinked input is
// rewritten where it points; --output-dir keeps the layout below a -f
// directory.
func TestFixManifestsTwiceInPlaceAndThroughSymlinks(t *testing.T) {
	src, err := os.ReadFile("../remediate/testdata/manifests/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	deploy := filepath.Join(dir, "deploy")
	if err := os.MkdirAll(filepath.Join(deploy, "team1"), 0o755); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "real.yaml")
	if err := os.WriteFile(real, src, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(deploy, "team1", "platform.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "fix", "-f", deploy, "-o", "manifests", "--output-dir", filepath.Join(dir, "out"))
	if code != 0 || !strings.Contains(out, filepath.Join(dir, "out", "team1", "platform.yaml")) {
		t.Fatalf("--output-dir layout: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code = run(t, "", "fix", "-f", deploy, "-o", "manifests", "--in-place"); code != 0 {
		t.Fatalf("--in-place: exit %d: %s", code, errOut)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v", err)
	}
	if got, _ := os.ReadFile(real); string(got) == string(src) {
		t.Fatal("the symlink's target was not rewritten")
	}
	// A new finding, then a second run: its new objects are added.
	extra := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: second-agent\n  namespace: docs\nspec:\n  selector:\n    matchLabels: {app: second-agent}\n  template:\n    metadata:\n      labels: {app: second-agent}\n    spec:\n      runtimeClassName: kata-qemu\n      automountServiceAccountToken: false\n      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n      containers:\n      - name: agent\n        image: ghcr.io/acme-ai/second-agent:1\n        args: [--tools=search]\n        env:\n        - name: OPENAI_API_KEY\n          valueFrom: {secretKeyRef: {name: openai, key: api-key}}\n        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}\n"
	if err := os.WriteFile(filepath.Join(deploy, "second.yaml"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, "", "fix", "-f", deploy, "-o", "manifests", "--in-place")
	if code != 0 {
		t.Fatalf("second --in-place: exit %d: %s%s", code, out, errOut)
	}
	objs, _ := os.ReadFile(filepath.Join(deploy, newObjectsFile))
	if !strings.Contains(string(objs), "name: docs-retriever-egress") || !strings.Contains(string(objs), "name: second-agent-egress") {
		t.Errorf("the second run did not add to %s:\n%s", newObjectsFile, objs)
	}
	if out, errOut, code = run(t, "", "audit", "-f", deploy, "--fail-on", "low"); code != 0 {
		t.Errorf("after two runs the directory still has findings: exit %d\n%s%s", code, out, errOut)
	}
}

// TestFixHelpTellsTheTruth: the help says what fix does today: a custom
// resource's live pods are fixed through it, conflicts can be
// taken, GitOps tools are named, and Pending changes are held back by
// the script too.
func TestFixHelpTellsTheTruth(t *testing.T) {
	out, _, code := run(t, "", "fix", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	help := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"the pods of such a resource (a LeaderWorkerSet's StatefulSets, a Sandbox, a RayCluster) are fixed through the resource read from the cluster",
		`shown as "field → manager"`, "o (all of them, taking ownership of those fields)", "--force-conflicts takes them",
		"Argo CD, Flux or Helm", "held back, by the script and --apply alike",
		"With --apply or -o patch, include runtime changes whose pods would stay Pending",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("fix --help lacks %q", want)
		}
	}
	if strings.Contains(help, "pods that such an object owns are left to a human") {
		t.Error("fix --help still says a LeaderWorkerSet's live pods are left to a human")
	}
}

// TestFixScriptHoldsBackWhatApplyHoldsBack: the example's qdrant would
// stay Pending under its tier's class: the script comments the command
// out with the reason, and --allow-pending writes it.
func TestFixScriptHoldsBackWhatApplyHoldsBack(t *testing.T) {
	const cmd = "kubectl patch statefulset/qdrant --namespace=rag --type strategic -p '{\"spec\":{\"template\":{\"spec\":{\"runtimeClassName\":\"gvisor\"}}}}'"
	out, errOut, code := run(t, "", "fix", "-f", example)
	if code != 0 || !strings.Contains(out, "\n# "+cmd+"\n") || strings.Contains(out, "\n"+cmd+"\n") || !strings.Contains(out, "HELD BACK: its pods would stay Pending") {
		t.Errorf("exit %d %s; the Pending change is not held back:\n%s", code, errOut, out)
	}
	out, errOut, code = run(t, "", "fix", "-f", example, "--allow-pending")
	if code != 0 || !strings.Contains(out, "\n"+cmd+"\n") || strings.Contains(out, "HELD BACK: its pods would stay Pending") {
		t.Errorf("--allow-pending: exit %d %s; the change is not written:\n%s", code, errOut, out)
	}
	shellCheck(t, out)
	// The research agent reaches OpenAI through the egress proxy: its
	// policy allows the proxy's pods, derived from HTTPS_PROXY and the
	// proxy's Service, and goes ahead.
	if !strings.Contains(out, "Service platform/egress-proxy port 3128 → pods' port 3128 (env HTTPS_PROXY of container agent)") {
		t.Errorf("the research agent's policy does not allow its proxy:\n%s", out)
	}
}

// TestFixHoldsBackEgressThatCutsOff: an egress policy that would cut the
// pods off an address their configuration names (a Service not seen, a
// value from a ConfigMap, an IP) is held back from the script, as from
// --apply, until the person fills it in or asks for it.
func TestFixHoldsBackEgressThatCutsOff(t *testing.T) {
	const fixture = "../remediate/testdata/egress.yaml"
	out, errOut, code := run(t, "", "fix", "-f", fixture)
	if code != 0 || !strings.Contains(out, "HELD BACK: applied as it is, it cuts the pods off from otel-collector.observability.svc:4317") ||
		!strings.Contains(out, "tiergate fix --allow-egress-gaps writes this command") {
		t.Fatalf("exit %d %s:\n%s", code, errOut, out)
	}
	// The complete policy (triage-agent) goes ahead.
	if !strings.Contains(out, "\nkubectl apply -f - <<'TIERGATE_EOF'\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: tiergate\n  name: triage-agent-egress") {
		t.Errorf("triage-agent's complete policy is not written:\n%s", out)
	}
	out, _, _ = run(t, "", "fix", "-f", fixture, "--allow-egress-gaps")
	if strings.Contains(out, "HELD BACK") {
		t.Errorf("--allow-egress-gaps still holds back:\n%s", out)
	}
	_, errOut, code = run(t, "", "fix", "-f", fixture, "--allow-egress-gaps", "-o", "json")
	if code != ExitUsage || !strings.Contains(errOut, "--allow-egress-gaps goes with --apply and -o patch") {
		t.Errorf("exit %d %q", code, errOut)
	}
}
