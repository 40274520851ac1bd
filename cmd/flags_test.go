package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	for _, kubeconfig := range []string{broken, garbage, filepath.Join(dir, "missing")} {
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
		} {
			t.Run(filepath.Base(kubeconfig)+"/"+strings.Join(tt.args, " "), func(t *testing.T) {
				t.Setenv("KUBECONFIG", kubeconfig)
				_, errOut, code := run(t, "", tt.args...)
				if code != ExitUsage || !strings.Contains(errOut, tt.want) || strings.Count(strings.TrimRight(errOut, "\n"), "\n") > 0 {
					t.Fatalf("exit %d, stderr %q; want exit 2 and %q", code, errOut, tt.want)
				}
			})
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
	} {
		t.Run(tt.env+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			t.Setenv("KUBECONFIG", tt.env)
			_, errOut, code := run(t, "", tt.args...)
			if code != ExitUsage || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stderr %q; want %q", code, errOut, tt.want)
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
	out, _, _ := run(t, "", "probe", "--help")
	if strings.Contains(out, "--ephemeral") {
		t.Error("probe --help still shows --ephemeral")
	}
}
