package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestFlagErrorsBeforeTheKubeconfig: a bad flag is reported as such, on
// one line with exit 2, whatever the kubeconfig is: broken, missing, or
// with a current context that points nowhere (as a lab left behind can).
func TestFlagErrorsBeforeTheKubeconfig(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken")
	if err := os.WriteFile(broken, []byte("apiVersion: v1\nkind: Config\ncurrent-context: gone\ncontexts: [{name: other, context: {cluster: c, user: u}}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("{not: [yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A kubeconfig whose context points at a dead server would fail any
	// contact: a flag error must come before one.
	dead := writeFile(t, dir, "dead", deadContext(t))
	for _, kubeconfig := range []string{broken, garbage, filepath.Join(dir, "missing"), dead} {
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"audit", "-o", "xml"}, `--output "xml" is not one of`},
			{[]string{"audit", "--fail-on", "urgent"}, `--fail-on "urgent"`},
			{[]string{"audit", "-l", "a==b==c"}, `-l "a==b==c"`},
			{[]string{"audit", "--bogus"}, "unknown flag: --bogus"},
			{[]string{"audit", "--request-timeout", "soon"}, `--request-timeout "soon"`},
			{[]string{"audit", "-f", ""}, "-f needs a file"},
			{[]string{"fix", "--yes"}, "--yes and --force-conflicts go with --apply"},
			{[]string{"fix", "-o", "kustomize"}, "-o kustomize needs --output-dir"},
			{[]string{"probe"}, "name a POD to probe"},
			{[]string{"probe", "p", "-o", "yaml"}, `--output "yaml" is not json`},
			{[]string{"--metrics-interval", "1ms"}, "--metrics-interval 1ms: at least 1s"},
			{[]string{"audit", "stray"}, `unknown command "stray" for "tiergate audit"`},
			{[]string{"audit", "--metrics", "-o", "sarif"}, "--metrics shows in -o table"},
			{[]string{"audit", "--metrics", "--prometheus-url", "ftp://x"}, `--prometheus-url "ftp://x": want http[s]://HOST:PORT`},
			{[]string{"audit", "--policy", "nope.yaml"}, "--policy: nope.yaml: no such file or directory"},
			{[]string{"audit", "--policy", "testdata/bad-policy.yaml"}, "exemptions[0].reason: required"},
			{[]string{"fix", "--apply", "-o", "json"}, "--apply prints its own diff; it does not take -o json"},
			{[]string{"fix", "--min-severity", "urgent"}, `--min-severity "urgent"`},
			{[]string{"fix", "--rule", "TG-NOPE-001"}, `--rule "TG-NOPE-001": no such rule`},
			{[]string{"fix", "--type", "web"}, `--type "web" is not one of`},
			{[]string{"fix", "-o", "manifests", "--in-place"}, "-o manifests rewrites the -f files"},
			{[]string{"probe", "vllm-0", "--timeout", "0s"}, "--timeout must be positive"},
			{[]string{"probe", "vllm-0", "--node-kernel", "6.8.0"}, "--node-kernel is for --local"},
			{[]string{"--prometheus-url", "x", "--prometheus-service", "a/b:1"}, "not both"},
			{[]string{"-n", "rag"}, "no terminal: the interactive view needs one"},
		} {
			// The kubeconfig from KUBECONFIG and from --kubeconfig alike.
			for _, how := range []string{"KUBECONFIG", "--kubeconfig"} {
				t.Run(filepath.Base(kubeconfig)+"/"+how+"/"+strings.Join(tt.args, " "), func(t *testing.T) {
					args := tt.args
					if how == "KUBECONFIG" {
						t.Setenv("KUBECONFIG", kubeconfig)
					} else {
						args = append(append([]string(nil), args...), "--kubeconfig", kubeconfig)
					}
					_, errOut, code := run(t, "", args...)
					if code != ExitUsage || !strings.Contains(errOut, tt.want) || strings.Count(strings.TrimRight(errOut, "\n"), "\n") > 0 {
						t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, errOut, tt.want)
					}
				})
			}
		}
	}
}

func TestMissingKubeconfigIsNamed(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, "present")
	if err := os.WriteFile(present, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		env  string
		args []string
		want string
	}{
		{env: "/nonexistent", args: []string{"audit"}, want: "error: kubeconfig /nonexistent (from KUBECONFIG): no such file"},
		{env: "/nonexistent" + string(os.PathListSeparator) + "/also-not", args: []string{"audit", "-A"}, want: "kubeconfig /nonexistent, /also-not (from KUBECONFIG): no such file"},
		// A list with one file there reads it, as kubectl does: the empty
		// file has no context.
		{env: "/nonexistent" + string(os.PathListSeparator) + present, args: []string{"audit"}, want: "no cluster to audit: no kubeconfig context"},
		{env: present, args: []string{"audit", "--kubeconfig", "/nonexistent"}, want: "error: kubeconfig /nonexistent: no such file"},
		{env: "/nonexistent", args: []string{"probe", "some-pod"}, want: "kubeconfig /nonexistent (from KUBECONFIG): no such file"},
		{env: "/nonexistent", args: []string{"fix"}, want: "kubeconfig /nonexistent (from KUBECONFIG): no such file"},
		{env: "/nonexistent", args: []string{"audit", "-n", "rag"}, want: "kubeconfig /nonexistent (from KUBECONFIG): no such file"},
		{env: present, args: []string{"audit", "--kubeconfig", "/nonexistent", "--server", "https://127.0.0.1:1"}, want: "error: kubeconfig /nonexistent: no such file"},
		// The file after the missing one is the one read: its dead server.
		{env: "/nonexistent" + string(os.PathListSeparator) + writeFile(t, dir, "dead", deadContext(t)), args: []string{"audit"}, want: "cannot reach the server https://127.0.0.1:"},
		{env: writeFile(t, dir, "garbage", "{{ not yaml: [\n"), args: []string{"audit"}, want: "kubeconfig: error loading config file"},
		{env: writeFile(t, dir, "gone", "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"https://127.0.0.1:1\"}}]\ncontexts: [{name: a, context: {cluster: c}}]\ncurrent-context: gone\n"), args: []string{"audit"}, want: "context was not found for specified context: gone"},
	} {
		t.Run(tt.env+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.env)
			_, errOut, code := run(t, "", tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q; want one line with %q", code, errOut, tt.want)
			}
			if strings.Contains(errOut, "no configuration has been provided") {
				t.Errorf("client-go's generic message: %q", errOut)
			}
		})
	}
}

// TestFlagDefaultsInHelpAreTrue: a default the help shows is the one that
// applies. --request-timeout's "0" from cli-runtime would say "no limit"
// where tiergate bounds the first contact.
func TestFlagDefaultsInHelpAreTrue(t *testing.T) {
	for _, cmd := range [][]string{{"--help"}, {"audit", "--help"}, {"fix", "--help"}, {"probe", "--help"}} {
		out, _, code := run(t, "", cmd...)
		if code != 0 {
			t.Fatalf("%v: exit %d", cmd, code)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "--request-timeout") && (strings.Contains(line, `(default "0")`) || !strings.Contains(line, "10s for the first contact")) {
				t.Errorf("%v: %q", cmd, line)
			}
		}
	}
	out, _, _ := run(t, "", "audit", "--help")
	for _, want := range []string{`--metrics-interval duration`, `(default 5s)`, `-o, --output string`, `(default "table")`} {
		if !strings.Contains(out, want) {
			t.Errorf("audit --help lacks %q", want)
		}
	}
}

// TestProbeImageIsOneName: --probe-image names the ephemeral probe's image
// in the view and in probe; probe's old --ephemeral still works, with a
// deprecation notice.
func TestProbeImageIsOneName(t *testing.T) {
	_, errOut, code := run(t, "", "probe", "--local", "--probe-image", "x")
	if code != ExitUsage || !strings.Contains(errOut, "-c and --probe-image choose where to probe a POD") {
		t.Fatalf("exit %d %q", code, errOut)
	}
	_, errOut, code = run(t, "", "probe", "--local", "--ephemeral", "x")
	if code != ExitUsage || !strings.Contains(errOut, "Flag --ephemeral has been deprecated, use --probe-image") || !strings.Contains(errOut, "--probe-image choose") {
		t.Fatalf("the alias: exit %d %q", code, errOut)
	}
	for _, args := range [][]string{{"--help"}, {"probe", "--help"}} {
		out, _, _ := run(t, "", args...)
		if !strings.Contains(out, "--probe-image") || strings.Contains(out, "--ephemeral") {
			t.Errorf("%v: the help must name --probe-image only", args)
		}
	}
	// The old name sets the same image; its notice is on stderr, never
	// on stdout where -o json goes; both names at once are refused.
	for _, flag := range []string{"--probe-image", "--ephemeral"} {
		var out, errOut bytes.Buffer
		o := NewProbeOptions(genericiooptions.IOStreams{Out: &out, ErrOut: &errOut}, genericclioptions.NewConfigFlags(true))
		c := newCmdProbe(o)
		c.SetOut(&out)
		c.Flags().SetOutput(&errOut) // as NewCmdRoot sets it
		if err := c.ParseFlags([]string{"vllm-0", flag, "ghcr.io/tiergate/tiergate:v1"}); err != nil {
			t.Fatal(err)
		}
		deprecated := strings.Contains(errOut.String(), "Flag --ephemeral has been deprecated, use --probe-image")
		if o.ProbeImage != "ghcr.io/tiergate/tiergate:v1" || deprecated != (flag == "--ephemeral") || out.Len() > 0 {
			t.Errorf("%s: image %q, stderr %q, stdout %q", flag, o.ProbeImage, errOut.String(), out.String())
		}
	}
	out, errOut, code := run(t, "", "probe", "--local", "-o", "json", "--ephemeral", "x")
	if out != "" || strings.Count(errOut, "Flag --ephemeral has been deprecated") != 1 || code != ExitUsage {
		t.Errorf("the notice: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	_, errOut, code = run(t, "", "probe", "vllm-0", "--probe-image", "a", "--ephemeral", "b")
	if code != ExitUsage || !strings.HasSuffix(errOut, "error: --ephemeral is the old name of --probe-image: give one of them (see 'tiergate probe --help')\n") {
		t.Errorf("both names: exit %d, stderr %q", code, errOut)
	}
}
