package cmd

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	goldenfile "github.com/tiergate/tiergate/internal/golden"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/report"
)

const example = "../examples/llm-platform.yaml"

// run executes the CLI as main does and returns stdout, stderr and the
// exit code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runAs(t, "tiergate", stdin, args...)
}

func runAs(t *testing.T, argv0, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	root := NewCmdRoot(streams, argv0)
	root.SetArgs(args)
	code := Report(&errOut, root.Execute())
	return out.String(), errOut.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Assert(t, "./cmd", filepath.Join("testdata", name+".golden"), []byte(got))
}

func TestAuditGoldenOutputs(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"audit-table", []string{"audit", "-f", example}, 0},
		{"audit-wide", []string{"audit", "-f", example, "-o", "wide"}, 0},
		{"audit-json", []string{"audit", "-f", example, "-o", "json"}, 0},
		{"audit-sarif", []string{"audit", "-f", example, "-o", "sarif"}, 0},
		{"audit-junit", []string{"audit", "-f", example, "-o", "junit", "--fail-on", "high"}, 1},
		{"audit-policy-json", []string{"audit", "-f", example, "--policy", "../examples/policy.yaml", "-o", "json"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			golden(t, tt.name, out)
		})
	}
}

// TestJSONContract checks the field names other tools rely on.
func TestJSONContract(t *testing.T) {
	out, _, code := run(t, "", "audit", "-f", example, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	ws, ok := doc["workloads"].([]any)
	if !ok || len(ws) < 20 {
		t.Fatalf("workloads: %T len %d", doc["workloads"], len(ws))
	}
	for _, raw := range ws {
		w := raw.(map[string]any)
		for _, k := range []string{"kind", "namespace", "name", "owner", "type", "confidence", "evidence", "runtimeClassName", "handler", "isolation", "requiredIsolation", "gpus", "findings"} {
			if _, ok := w[k]; !ok {
				t.Errorf("%s/%s: missing %q", w["kind"], w["name"], k)
			}
		}
		for _, rawF := range w["findings"].([]any) {
			f := rawF.(map[string]any)
			for _, k := range []string{"rule", "category", "severity", "message"} {
				if _, ok := f[k]; !ok {
					t.Errorf("finding missing %q: %v", k, f)
				}
			}
		}
		for _, g := range w["gpus"].([]any) {
			gm := g.(map[string]any)
			if gm["resource"] == nil || gm["count"] == nil {
				t.Errorf("gpu entry %v", gm)
			}
		}
	}
	sum, ok := doc["summary"].(map[string]any)
	if !ok || sum["byType"] == nil || sum["bySeverity"] == nil {
		t.Fatalf("summary: %v", doc["summary"])
	}
}

func TestExitCodesAndErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"fail-on high", "", []string{"audit", "-f", example, "--fail-on", "high"}, 1, "findings at or above high (--fail-on high)"},
		{"fail-on passes when clean", "", []string{"audit", "-f", "testdata/compliant.yaml", "--fail-on", "low"}, 0, ""},
		{"no kubeconfig context", "", []string{"audit", "--kubeconfig", "testdata/empty-kubeconfig.yaml"}, 2, "no cluster to audit: no kubeconfig context"},
		{"bad kubeconfig", "", []string{"audit", "--kubeconfig", "testdata/bad-policy.yaml"}, 2, "kubeconfig:"},
		{"missing kubeconfig", "", []string{"audit", "--kubeconfig", "testdata/nope"}, 2, "kubeconfig testdata/nope: no such file"},
		// These read the default kubeconfig: TestMain's empty one.
		{"no cluster by default", "", []string{"audit"}, 2, "no cluster to audit: no kubeconfig context"},
		{"no cluster to fix by default", "", []string{"fix", "-n", "rag"}, 2, "no cluster to audit: no kubeconfig context"},
		{"no cluster to probe by default", "", []string{"probe", "vllm-0"}, 2, "no cluster to audit: no kubeconfig context"},
		{"unknown flag", "", []string{"audit", "--bogus"}, 2, "unknown flag: --bogus"},
		{"unknown command", "", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown subcommand", "", []string{"policy", "frobnicate"}, 2, `unknown command "frobnicate" for "tiergate policy"`},
		{"bad output", "", []string{"audit", "-f", example, "-o", "xml"}, 2, `--output "xml" is not one of`},
		{"bad fail-on", "", []string{"audit", "-f", example, "--fail-on", "urgent"}, 2, `--fail-on "urgent"`},
		{"bad selector", "", []string{"audit", "-f", example, "-l", "a==b==c"}, 2, "-l"},
		{"missing file", "", []string{"audit", "-f", "nope.yaml"}, 2, "-f nope.yaml: no such file or directory"},
		{"empty -f", "", []string{"audit", "-f", ""}, 2, "-f needs a file, directory or -"},
		{"malformed yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: {a: b\n", []string{"audit", "-f", "-"}, 2, "<stdin>:5:"},
		{"not a kubernetes object", "hello\n", []string{"audit", "-f", "-"}, 2, "expected a Kubernetes object"},
		{"empty input", "# nothing\n", []string{"audit", "-f", "-"}, 2, "no Kubernetes objects found"},
		{"helm template", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n", []string{"audit", "-f", "-"}, 2, "<stdin>:4: a Helm template, not a manifest: render it first (helm template RELEASE CHART | tiergate audit -f -)"},
		{"helm template, first line", "{{- if .Values.on }}\napiVersion: v1\n", []string{"fix", "-f", "-"}, 2, "<stdin>:1: a Helm template, not a manifest"},
		{"NUL byte", "apiVersion: v1\nkind: Pod\n---\nmetadata: {name: \x00}\n", []string{"audit", "-f", "-"}, 2, "<stdin>:4: a control character (byte 0x00)"},
		{"missing policy file", "", []string{"audit", "-f", example, "--policy", "nope.yaml"}, 2, "--policy: nope.yaml: no such file or directory"},
		{"invalid policy", "", []string{"policy", "validate", "testdata/bad-policy.yaml"}, 2, "testdata/bad-policy.yaml:4: exemptions[0].reason: required"},
		{"policy validate needs a file", "", []string{"policy", "validate"}, 2, "want exactly one policy file"},
		{"view without a terminal", "", []string{"-f", example}, 2, "no terminal: the interactive view needs one; for a report use 'tiergate audit'"},
		{"view with a bad flag", "", []string{"-f", example, "--bogus"}, 2, "unknown flag: --bogus"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := run(t, tt.stdin, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %q", code, tt.code, errOut)
			}
			if tt.stderr != "" && !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.stderr)
			}
			if strings.Count(strings.TrimRight(errOut, "\n"), "\n") > 0 {
				t.Errorf("error must be one line, got %q", errOut)
			}
			if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine") {
				t.Errorf("stderr looks like a crash: %q", errOut)
			}
		})
	}
}

func TestSelectionFlags(t *testing.T) {
	out, _, code := run(t, "", "audit", "-f", example, "-n", "rag", "-o", "json")
	if code != 0 {
		t.Fatal(code)
	}
	var doc struct {
		Workloads []struct{ Namespace, Name string } `json:"workloads"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Workloads) == 0 {
		t.Fatal("-n rag selected nothing")
	}
	for _, w := range doc.Workloads {
		if w.Namespace != "rag" {
			t.Errorf("-n rag kept %s/%s", w.Namespace, w.Name)
		}
	}
	out, _, _ = run(t, "", "audit", "-f", example, "-l", "app.kubernetes.io/name=qdrant", "-o", "json")
	doc.Workloads = nil
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Workloads) != 1 || doc.Workloads[0].Name != "qdrant" {
		t.Errorf("-l app.kubernetes.io/name=qdrant: %+v", doc.Workloads)
	}
	out, _, _ = run(t, "", "audit", "-f", example, "-n", "rag", "-A", "-o", "json")
	doc.Workloads = nil
	_ = json.Unmarshal([]byte(out), &doc)
	if len(doc.Workloads) < 20 {
		t.Errorf("-A must override -n, got %d workloads", len(doc.Workloads))
	}
}

// TestEmptyScopeIsNotAPass: a scope that holds nothing says why and exits
// 3 (a CI gate must not pass on a typo), 0 only with --allow-empty; JSON
// still has its empty workloads and the reason.
func TestEmptyScopeIsNotAPass(t *testing.T) {
	service := "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
	for _, tt := range []struct {
		name, stdin string
		args        []string
		code        int
		out, errOut string
	}{
		{name: "namespace not in the files", args: []string{"audit", "-f", example, "-n", "nonexistent"}, code: ExitEmpty,
			out: "Nothing to audit: nothing in the files matches -n nonexistent (30 workloads left out).", errOut: "(exit 3; --allow-empty exits 0)"},
		{name: "selector matches nothing", args: []string{"audit", "-f", example, "-l", "app=typo"}, code: ExitEmpty,
			errOut: "error: nothing to audit: nothing in the files matches -l app=typo (30 workloads left out)"},
		{name: "no pod-bearing objects", stdin: service, args: []string{"audit", "-f", "-"}, code: ExitEmpty,
			out: "Nothing to audit: none of the 1 object in the files is a pod or has a pod template."},
		{name: "allowed", args: []string{"audit", "-f", example, "-l", "app=typo", "--allow-empty"}, code: 0,
			out: "Nothing to audit: nothing in the files matches -l app=typo"},
		{name: "allowed, json", args: []string{"audit", "-f", example, "-l", "app=typo", "--allow-empty", "-o", "json"}, code: 0,
			out: `"empty": "nothing in the files matches -l app=typo (30 workloads left out)"`, errOut: "tiergate: nothing to audit: nothing in the files matches -l app=typo"},
		{name: "json without --allow-empty", args: []string{"audit", "-f", example, "-l", "app=typo", "-o", "json"}, code: ExitEmpty,
			out: `"workloads": [],`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.errOut) {
				t.Fatalf("exit %d (want %d)\nstdout %q\nstderr %q", code, tt.code, out, errOut)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"agents", "code-sandbox", "default", "kube-system", "llm-serving", "rag"}
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"agent", []string{"agents"}},
		{"llm-servng", []string{"llm-serving"}},
		{"sandbox", []string{"code-sandbox"}},
		{"rga", []string{"rag"}},
		{"zzzzzz", nil},
	} {
		if got := suggest(tt.in, names); !slices.Equal(got, tt.want) {
			t.Errorf("suggest(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestStdinAndKubectlList(t *testing.T) {
	list := `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"vllm","namespace":"llm"},"spec":{"template":{"metadata":{"labels":{"app":"vllm"}},"spec":{"containers":[{"name":"vllm","image":"vllm/vllm-openai:v0.9.2"}]}}}}]}`
	out, errOut, code := run(t, list, "audit", "-f", "-")
	if code != 0 || !strings.Contains(out, "Deployment/vllm") || !strings.Contains(out, "INFERENCE (1)") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
	}
}

// TestNeverShowsSecretValues: env values and Secret data must not reach
// any output format.
func TestNeverShowsSecretValues(t *testing.T) {
	for _, format := range report.Formats() {
		out, errOut, _ := run(t, "", "audit", "-f", "testdata/secrets.yaml", "-o", format)
		for _, secret := range []string{"sk-live-0123456789", "hunter2", "c2VjcmV0"} {
			if strings.Contains(out+errOut, secret) {
				t.Errorf("-o %s shows %q", format, secret)
			}
		}
	}
}

func TestKubectlPluginName(t *testing.T) {
	out, _, code := runAs(t, "/usr/local/bin/kubectl-tiergate", "", "audit", "--help")
	if code != 0 || !strings.Contains(out, "kubectl tiergate audit") {
		t.Fatalf("exit %d: %s", code, out)
	}
	out, _, _ = runAs(t, "tiergate", "", "--help")
	if strings.Contains(out, "kubectl tiergate [") {
		t.Errorf("plain binary must not call itself kubectl tiergate")
	}
}

func TestPolicyPrintRoundTrips(t *testing.T) {
	out, _, code := run(t, "", "policy", "print")
	if code != 0 {
		t.Fatal(code)
	}
	if _, err := policy.Parse([]byte(out)); err != nil {
		t.Fatalf("policy print output does not parse: %v", err)
	}
	out, _, code = run(t, "", "policy", "validate", "../examples/policy.yaml")
	if code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

// TestRulesDocIsCurrent: docs/rules.md is generated from the catalog.
func TestRulesDocIsCurrent(t *testing.T) {
	out, _, code := run(t, "", "rules", "-o", "markdown")
	if code != 0 {
		t.Fatal(code)
	}
	path := "../docs/rules.md"
	if goldenfile.Updating() {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != out {
		t.Fatalf("docs/rules.md is out of date: run go test ./cmd -run TestRulesDocIsCurrent -update (%v)", err)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "tiergate dev (commit none") {
		t.Fatalf("exit %d: %q", code, out)
	}
	out, _, _ = run(t, "", "version", "-o", "json")
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil || v["version"] != "dev" {
		t.Fatalf("%q: %v", out, err)
	}
}

// TestUnreachableServerFailsWithinTheRequestTimeout: a server that
// accepts connections and never answers.
func TestUnreachableServerFailsWithinTheRequestTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold the connection open, say nothing
		}
	}()
	start := time.Now()
	_, errOut, code := run(t, "", "audit", "--kubeconfig", "testdata/empty-kubeconfig.yaml", "--server", "https://"+ln.Addr().String(), "--insecure-skip-tls-verify", "--request-timeout", "1s")
	if code != 2 || !strings.Contains(errOut, "did not answer in time") {
		t.Fatalf("exit %d: %q", code, errOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v; the request timeout is 1s", d)
	}
	// A closed port is refused at once.
	addr := ln.Addr().String()
	ln.Close()
	_, errOut, code = run(t, "", "audit", "--kubeconfig", "testdata/empty-kubeconfig.yaml", "--server", "https://"+addr, "--insecure-skip-tls-verify")
	if code != 2 || !strings.Contains(errOut, "cannot reach the server") {
		t.Fatalf("exit %d: %q", code, errOut)
	}
}

// TestEveryCommandHasExamples: kubectl's style, "  # what it does" then
// the command line, for every command a user can run.
func TestEveryCommandHasExamples(t *testing.T) {
	root := NewCmdRoot(genericiooptions.NewTestIOStreamsDiscard(), "kubectl-tiergate")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		ex := c.Example
		if !strings.HasPrefix(ex, "  # ") || !strings.Contains(ex, "\n  ") {
			t.Errorf("%q: no example in kubectl's style (\"  # what\\n  command\"): %q", c.CommandPath(), ex)
		}
		for _, line := range strings.Split(ex, "\n") {
			if line != "" && !strings.HasPrefix(line, "  ") {
				t.Errorf("%q: example line not indented: %q", c.CommandPath(), line)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// TestSkippedFilesAreNamed: the files of a -f directory that are not
// manifests are listed on stderr, once, and the report stays clean.
func TestSkippedFilesAreNamed(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "platform.yaml", string(data))
	writeFile(t, dir, "README.md", "# notes")
	writeFile(t, dir, "scripts/apply.sh", "")
	want := "tiergate: -f " + dir + ": skipped 2 files that are not .yaml, .yml or .json (README.md, scripts/apply.sh)\n"
	for _, args := range [][]string{
		{"audit", "-f", dir, "-o", "json"},
		{"fix", "-f", dir, "-o", "json"},
	} {
		out, errOut, code := run(t, "", args...)
		if code != 0 || errOut != want || !json.Valid([]byte(out)) {
			t.Errorf("%v: exit %d, stderr %q, want %q", args, code, errOut, want)
		}
	}
}

// TestPolicyErrorsNameFileLineAndField: policy validate and --policy say
// where each problem is: FILE:LINE: field path: what is wrong, on one
// line, exit 2; the engine's own checks (rule IDs) included.
func TestPolicyErrorsNameFileLineAndField(t *testing.T) {
	dir := t.TempDir()
	head := "apiVersion: tiergate.dev/v1alpha1\nkind: Policy\n"
	for _, tt := range []struct{ name, doc, want string }{
		{"typo", head + "tiers:\n  agent:\n    minimun: vm\n", "P:5: tiers.agent.minimun: unknown field (the fields here are minimum, recommended)"},
		{"value", head + "tiers:\n  agent: {minimum: vmm}\n", `P:4: tiers.agent.minimum: "vmm" is not one of shared-kernel, gvisor, vm, microvm`},
		{"glob", head + "exemptions:\n- {namespace: a, name: b, rule: TG-ISO-001, reason: x}\n- namespace: a\n  name: '['\n  rule: TG-ISO-001\n  reason: x\n", `P:6: exemptions[1].name: bad glob "["`},
		{"no such rule", head + "rules:\n  TG-ISO-001: {severity: high}\n  TG-NOPE-001: {disabled: true}\n", "P:5: rules.TG-NOPE-001: no such rule (see tiergate rules)"},
		{"exempting no such rule", head + "exemptions:\n- namespace: a\n  name: b\n  rule: TG-NOPE-001\n  reason: x\n", `P:6: exemptions[0].rule: no such rule "TG-NOPE-001"`},
		{"yaml", head + "tiers: {agent\n", "P:3: did not find expected ',' or '}'"},
		{"a key twice", head + "tiers: {}\ntiers: {}\n", `P:4: key "tiers" already set in map`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml", tt.doc)
			want := "error: " + strings.ReplaceAll(tt.want, "P:", path+":") + "\n"
			for _, args := range [][]string{{"policy", "validate", path}, {"audit", "-f", example, "--policy", path}} {
				_, errOut, code := run(t, "", args...)
				if code != ExitUsage || errOut != want {
					t.Errorf("%v: exit %d\n got %q\nwant %q", args[:2], code, errOut, want)
				}
			}
		})
	}
}
