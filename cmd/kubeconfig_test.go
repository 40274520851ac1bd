package cmd

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// deadContext is a kubeconfig whose only context points at a port
// nothing listens on, in namespace "lab": if it were read, a live run
// would fail to reach it instead of saying there is no cluster.
func deadContext(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return `apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "https://` + addr + `"}}]
users: [{name: lab, user: {token: not-a-secret}}]
contexts: [{name: lab, context: {cluster: lab, user: lab, namespace: lab}}]
current-context: lab
`
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUsersKubeconfigNeverReachesTheTests runs the flag and exit-code
// tests again in a child whose HOME holds a kubeconfig with a live-looking
// context, with KUBECONFIG unset and an in-cluster service set: TestMain
// must keep both out (before it, a lab's context in ~/.kube/config failed
// these tests on a clean clone).
func TestUsersKubeconfigNeverReachesTheTests(t *testing.T) {
	if os.Getenv("TIERGATE_TEST_CHILD") != "" {
		t.Skip("the child runs the other tests only")
	}
	home := t.TempDir()
	writeFile(t, home, ".kube/config", deadContext(t))
	child := exec.Command(os.Args[0], "-test.count=1", "-test.run", "^(TestExitCodesAndErrors|TestProbeFlagErrors|TestUsageErrorsBeforeAnyKubeconfig)$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KUBECONFIG=") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "KUBERNETES_SERVICE_") {
			child.Env = append(child.Env, kv)
		}
	}
	child.Env = append(child.Env, "HOME="+home, "KUBERNETES_SERVICE_HOST=127.0.0.1", "KUBERNETES_SERVICE_PORT=1", "TIERGATE_TEST_CHILD=1")
	out, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("the tests fail when HOME holds a kubeconfig: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "PASS") {
		t.Fatalf("the child ran nothing:\n%s", out)
	}
}

// TestUsageErrorsBeforeAnyKubeconfig: a bad flag is reported as itself,
// exit 2, whatever state the kubeconfig is in; nothing in Complete or
// Validate reads it.
func TestUsageErrorsBeforeAnyKubeconfig(t *testing.T) {
	dir := t.TempDir()
	kubeconfigs := map[string]string{
		"garbage":         writeFile(t, dir, "garbage", "{{ not yaml: [\n"),
		"missing context": writeFile(t, dir, "missing-context", "apiVersion: v1\nkind: Config\ncurrent-context: gone\n"),
		"dead server":     writeFile(t, dir, "dead", deadContext(t)),
		"no such file":    filepath.Join(dir, "nonexistent"),
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"audit", "-o", "xml"}, `--output "xml" is not one of`},
		{[]string{"audit", "--fail-on", "urgent"}, `--fail-on "urgent" is not one of`},
		{[]string{"audit", "-l", "a==b==c"}, `-l "a==b==c"`},
		{[]string{"audit", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"audit", "stray"}, `unknown command "stray" for "tiergate audit"`},
		{[]string{"audit", "--metrics", "-o", "sarif"}, "--metrics shows in -o table"},
		{[]string{"audit", "--metrics", "--prometheus-url", "ftp://x"}, "--prometheus-url \"ftp://x\": want http[s]://HOST:PORT"},
		{[]string{"audit", "--policy", "nope.yaml"}, "--policy: nope.yaml: no such file or directory"},
		{[]string{"audit", "--policy", "testdata/bad-policy.yaml"}, "exemptions[0].reason: required"},
		{[]string{"fix", "--apply", "-o", "json"}, "--apply prints its own diff; it does not take -o json"},
		{[]string{"fix", "--yes"}, "--yes and --force-conflicts go with --apply"},
		{[]string{"fix", "--min-severity", "urgent"}, `--min-severity "urgent"`},
		{[]string{"fix", "--rule", "TG-NOPE-001"}, `--rule "TG-NOPE-001": no such rule`},
		{[]string{"fix", "--type", "web"}, `--type "web" is not one of`},
		{[]string{"fix", "-o", "manifests", "--in-place"}, "-o manifests rewrites the -f files"},
		{[]string{"probe"}, "name a POD to probe, or --local"},
		{[]string{"probe", "vllm-0", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"probe", "vllm-0", "--node-kernel", "6.8.0"}, "--node-kernel is for --local"},
		{[]string{"probe", "vllm-0", "-o", "yaml"}, `--output "yaml" is not json`},
		{[]string{"--metrics-interval", "10ms"}, "--metrics-interval 10ms: at least 1s"},
		{[]string{"--prometheus-url", "x", "--prometheus-service", "a/b:1"}, "not both"},
		{[]string{"-n", "rag"}, "no terminal: the interactive view needs one"},
	}
	for name, kc := range kubeconfigs {
		for _, how := range []string{"KUBECONFIG", "--kubeconfig"} {
			for _, c := range cases {
				t.Run(name+"/"+how+"/"+strings.Join(c.args, " "), func(t *testing.T) {
					args := c.args
					if how == "KUBECONFIG" {
						t.Setenv("KUBECONFIG", kc)
					} else {
						args = append(append([]string(nil), args...), "--kubeconfig", kc)
					}
					_, errOut, code := run(t, "", args...)
					if code != ExitUsage || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
						t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q", code, errOut, c.want)
					}
				})
			}
		}
	}
}

// TestKubeconfigFileErrors: a kubeconfig that does not exist is named as
// such; in a KUBECONFIG list the missing entries are skipped, as kubectl
// skips them, unless none exists.
func TestKubeconfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing, other := filepath.Join(dir, "nonexistent"), filepath.Join(dir, "also-missing")
	empty := writeFile(t, dir, "empty", "")
	dead := writeFile(t, dir, "dead", deadContext(t))
	sep := string(os.PathListSeparator)
	for _, tt := range []struct {
		name, env string
		args      []string
		want      string
	}{
		{"KUBECONFIG names a missing file", missing, []string{"audit"}, "kubeconfig " + missing + ": no such file"},
		{"with -n", missing, []string{"audit", "-n", "rag"}, "kubeconfig " + missing + ": no such file"},
		{"--kubeconfig names a missing file", empty, []string{"audit", "--kubeconfig", missing}, "kubeconfig " + missing + ": no such file"},
		{"--kubeconfig missing, with --server", empty, []string{"audit", "--kubeconfig", missing, "--server", "https://127.0.0.1:1"}, "kubeconfig " + missing + ": no such file"},
		{"probe", missing, []string{"probe", "vllm-0"}, "kubeconfig " + missing + ": no such file"},
		{"fix", missing, []string{"fix", "-A"}, "kubeconfig " + missing + ": no such file"},
		{"every file of a list missing", missing + sep + other, []string{"audit"}, "kubeconfig " + missing + ", " + other + ": no such files"},
		{"a list: the missing entry skipped, the next one read", missing + sep + dead, []string{"audit"}, "cannot reach the server https://127.0.0.1:"},
		{"a list: an empty file and a missing one", empty + sep + missing, []string{"audit"}, "no cluster to audit: no kubeconfig context (set KUBECONFIG or --kubeconfig), or audit files with -f FILE|DIR|-; kubeconfig " + missing + ": no such file"},
		{"an empty kubeconfig", empty, []string{"audit"}, "no cluster to audit: no kubeconfig context"},
		{"garbage", writeFile(t, dir, "garbage", "{{ not yaml: [\n"), []string{"audit"}, "kubeconfig: error loading config file"},
		{"a current context that does not exist", writeFile(t, dir, "gone", "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"https://127.0.0.1:1\"}}]\ncontexts: [{name: a, context: {cluster: c}}]\ncurrent-context: gone\n"), []string{"audit"}, "context was not found for specified context: gone"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.env)
			_, errOut, code := run(t, "", tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q", code, errOut, tt.want)
			}
			if strings.Contains(errOut, "no configuration has been provided") {
				t.Errorf("client-go's generic message: %q", errOut)
			}
		})
	}
}
