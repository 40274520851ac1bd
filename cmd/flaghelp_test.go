package cmd

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/bench"
	"github.com/tiergate/tiergate/bench/benchtest"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/engines"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/probe"
)

// TestFlagDefaultsInHelp walks every command's flags. A default that
// pflag shows must not be cli-runtime's "0" for a timeout tiergate
// bounds; a default stated in words (computed elsewhere: by client-go,
// the kubeconfig, the probe) must have a check here that the behaviour
// is what the words say, so that a new one cannot go unchecked.
func TestFlagDefaultsInHelp(t *testing.T) {
	checks := map[string]func(t *testing.T, f *pflag.Flag){
		"request-timeout": func(t *testing.T, f *pflag.Flag) {
			if !strings.Contains(f.Usage, "Unset or 0: "+shortDuration(cluster.DefaultConnectTimeout)+" for the first contact") {
				t.Errorf("does not say the first contact's %v: %q", cluster.DefaultConnectTimeout, f.Usage)
			}
			if strings.Contains(f.Usage, "first list") && !strings.Contains(f.Usage, shortDuration(syncTimeout(0))+" for each resource's first list") {
				t.Errorf("does not say the first lists' %v: %q", syncTimeout(0), f.Usage)
			}
		},
		"namespace": func(t *testing.T, f *pflag.Flag) {
			if strings.Contains(f.Usage, "(default "+defaultBenchNamespace+")") {
				checkBenchNamespace(t)
				return
			}
			checkContextNamespace(t, f)
		},
		"runtime-classes": func(t *testing.T, _ *pflag.Flag) {
			rcs := []nodev1.RuntimeClass{{ObjectMeta: metav1.ObjectMeta{Name: "kata"}, Handler: "kata"}, {ObjectMeta: metav1.ObjectMeta{Name: "gvisor"}, Handler: "runsc"}}
			targets, err := bench.Plan(policy.Default(), bench.Inputs{RuntimeClasses: rcs}, bench.Request{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tg := range targets {
				names = append(names, tg.Name)
			}
			if strings.Join(names, ",") != bench.DefaultTarget+",gvisor,kata" || targets[0].Class != "" {
				t.Errorf("without --runtime-classes: %v", targets)
			}
		},
		"kubeconfig": checkKubeconfigList,
		"container": func(t *testing.T, _ *pflag.Flag) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "sidecar"}, {Name: "main"}}}}
			if got := probe.DefaultContainer(pod); got != "sidecar" {
				t.Errorf("without the annotation: %q, want the first", got)
			}
			pod.Annotations = map[string]string{"kubectl.kubernetes.io/default-container": "main"}
			if got := probe.DefaultContainer(pod); got != "main" {
				t.Errorf("with the annotation: %q", got)
			}
		},
		"output": func(t *testing.T, f *pflag.Flag) { // probe's "(default text)"
			if !strings.Contains(f.Usage, "(default text)") {
				t.Fatalf("unexpected claim %q", f.Usage)
			}
			out, errOut, code := run(t, "", "probe", "--local")
			if code == 0 && strings.HasPrefix(out, "{") || code != 0 && !strings.Contains(errOut, "Linux") {
				t.Errorf("probe --local without -o: exit %d, %q", code, out)
			}
		},
		"reports": checkReportsDefault, // serve's: by discovery
		"memory":  checkBenchMemory,
		"port": func(t *testing.T, _ *pflag.Flag) { // bench's: the engine's
			for _, image := range []string{"vllm/vllm-openai:v0.11.0", "ghcr.io/ggml-org/llama.cpp:server", "ollama/ollama:0.12.6"} {
				s, err := bench.NewServer(image, "", nil, 0)
				if err != nil || s == nil || s.Port != engines.ForImage(image).Serve.Port {
					t.Errorf("%s without --port: %+v %v", image, s, err)
				}
			}
		},
		"model": func(t *testing.T, _ *pflag.Flag) { // bench's: the server's first
			srv := httptest.NewServer(&benchtest.Server{})
			defer srv.Close()
			res, err := bench.RunLoad(context.Background(), bench.LoadOptions{BaseURL: srv.URL, Prompts: 1, MaxTokens: 1})
			if err != nil || res.Model != benchtest.Model {
				t.Errorf("without --model: %+v %v", res, err)
			}
			if s, _ := bench.NewServer("ollama/ollama:0.12.6", "", nil, 0); s == nil || !s.Pull {
				t.Errorf("Ollama is not told to pull: %+v", s)
			}
		},
		"allow-empty": func(t *testing.T, _ *pflag.Flag) {
			if _, _, code := run(t, "", "audit", "-f", example, "-l", "app=none"); code != ExitEmpty {
				t.Errorf("an empty scope exits %d, want %d", code, ExitEmpty)
			}
		},
	}
	checked := map[string]bool{}
	root := NewCmdRoot(genericiooptions.NewTestIOStreamsDiscard(), "tiergate")
	for _, c := range allCommands(root) {
		help := c.Flags().FlagUsages()
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Deprecated != "" {
				if strings.Contains(help, "--"+f.Name+" ") {
					t.Errorf("%s --%s: hidden or deprecated, yet in the help", c.CommandPath(), f.Name)
				}
				return
			}
			if f.Value.Type() == "string" && f.DefValue == "0" {
				t.Errorf("%s --%s shows the default \"0\"", c.CommandPath(), f.Name)
			}
			if !statesDefault.MatchString(f.Usage) {
				return
			}
			check, ok := checks[f.Name]
			if !ok {
				t.Errorf("%s --%s states a default in words (%q): add a check of the behaviour to this test", c.CommandPath(), f.Name, f.Usage)
				return
			}
			if !checked[f.Name+" "+f.Usage] {
				checked[f.Name+" "+f.Usage] = true
				t.Run(strings.ReplaceAll(c.CommandPath(), " ", "_")+"/"+f.Name, func(t *testing.T) { check(t, f) })
			}
		})
	}
	for name := range checks {
		if !strings.Contains(strings.Join(mapKeys(checked), "\n"), name+" ") {
			t.Errorf("the check of --%s found no flag to check", name)
		}
	}
}

// checkBenchMemory: without --memory a bench pod requests 16Mi and is
// limited to 64Mi; a server requests 4Gi and has no limit.
func checkBenchMemory(t *testing.T, _ *pflag.Flag) {
	small := bench.Pod(bench.Target{Name: bench.DefaultTarget}, "ns", 0, bench.PodOptions{RunID: "r"}).Spec.Containers[0].Resources
	if small.Requests.Memory().String() != "16Mi" || small.Limits.Memory().String() != "64Mi" {
		t.Errorf("the small pod: %+v", small)
	}
	s, err := bench.NewServer("vllm/vllm-openai:v0.11.0", "", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	server := bench.Pod(bench.Target{Name: bench.DefaultTarget}, "ns", 0, bench.PodOptions{RunID: "r", Server: s}).Spec.Containers[0].Resources
	if _, limited := server.Limits[corev1.ResourceMemory]; server.Requests.Memory().String() != "4Gi" || limited {
		t.Errorf("the server pod: %+v", server)
	}
}

// checkBenchNamespace: bench works in its own namespace unless -n names
// one, whatever the context's namespace is.
func checkBenchNamespace(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{{nil, defaultBenchNamespace}, {[]string{"-n", "mine"}, "mine"}} {
		kube := genericclioptions.NewConfigFlags(true)
		ctxNS := "agents"
		kube.Namespace = &ctxNS // what a context would give
		c := NewCmdBench(genericiooptions.NewTestIOStreamsDiscard(), kube)
		if err := c.ParseFlags(tt.args); err != nil {
			t.Fatal(err)
		}
		o := &BenchOptions{ScopeOptions: ScopeOptions{kube: kube}}
		if err := o.Complete(c); err != nil {
			t.Fatal(err)
		}
		if o.benchNamespace != tt.want {
			t.Errorf("%v: namespace %q, want %q", tt.args, o.benchNamespace, tt.want)
		}
	}
}

// statesDefault finds a default said in words: "(default: …)", "by
// default …", "Unset or 0: …".
var statesDefault = regexp.MustCompile(`(?i)\(default|by default|unset or 0`)

func mapKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// checkContextNamespace: live, without -n, the scope is the context's
// namespace (read at the first contact): a server that has no namespace
// "lab" is asked for exactly that one.
func checkContextNamespace(t *testing.T, _ *pflag.Flag) {
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/version":
			_, _ = w.Write([]byte(`{"major":"1","minor":"37","gitVersion":"v1.37.0"}`))
		case "/api/v1/namespaces":
			_, _ = w.Write([]byte(`{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"labs"}}]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			name := strings.TrimPrefix(r.URL.Path, "/api/v1/namespaces/")
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404,"message":"namespaces \"` + name + `\" not found","details":{"name":"` + name + `","kind":"namespaces"}}`))
		}
	}))
	defer srv.Close()
	kc := writeFile(t, t.TempDir(), "config", `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "`+srv.URL+`"}}]
users: [{name: u, user: {}}]
contexts: [{name: lab, context: {cluster: c, user: u, namespace: lab}}]
current-context: lab
`)
	for _, args := range [][]string{{"audit"}, {"fix"}} {
		_, errOut, code := run(t, "", append(args, "--kubeconfig", kc)...)
		if code != ExitUsage || !strings.Contains(errOut, `namespace "lab" not found; did you mean labs?`) {
			t.Errorf("%v: exit %d, %q; want the context's namespace lab", args, code, errOut)
		}
	}
	// probe POD reads the pod in the context's namespace.
	if _, errOut, code := run(t, "", "probe", "vllm-0", "--kubeconfig", kc); code != ExitUsage {
		t.Errorf("probe: exit %d, %q", code, errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(asked, "/api/v1/namespaces/lab/pods/vllm-0") {
		t.Errorf("probe asked for %v, not the pod in namespace lab", asked)
	}
}

// checkKubeconfigList: without --kubeconfig the KUBECONFIG list is read,
// its missing entries skipped.
func checkKubeconfigList(t *testing.T, _ *pflag.Flag) {
	dir := t.TempDir()
	dead := writeFile(t, dir, "dead", deadContext(t))
	t.Setenv("KUBECONFIG", filepath.Join(dir, "missing")+string(os.PathListSeparator)+dead)
	start := time.Now()
	_, errOut, code := run(t, "", "audit")
	if code != ExitUsage || !strings.Contains(errOut, "cannot reach the server https://127.0.0.1:") || time.Since(start) > 5*time.Second {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// TestDeprecatedFlagsStillWork: --cache-dir (kubectl's, unused here) is
// accepted with a notice on stderr, never on stdout where a report goes.
func TestDeprecatedFlagsStillWork(t *testing.T) {
	out, errOut, code := run(t, "", "audit", "-f", example, "-o", "json", "--cache-dir", t.TempDir())
	if code != 0 || !strings.HasPrefix(out, "{") || !strings.Contains(errOut, "--cache-dir has been deprecated, tiergate keeps no discovery cache") {
		t.Fatalf("exit %d, stdout starts %q, stderr %q", code, out[:min(len(out), 40)], errOut)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if strings.Contains(c.Flags().FlagUsages(), "cache-dir") {
			t.Errorf("%s --help shows --cache-dir", c.CommandPath())
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(NewCmdRoot(genericiooptions.NewTestIOStreamsDiscard(), "tiergate"))
}
