package engines

import (
	"strings"
	"testing"
)

// TestTable checks what the classifier and the figures rely on: unique
// names, lowercase needles, and families and ports for every engine read.
func TestTable(t *testing.T) {
	names := map[string]bool{}
	prefixes := map[string]bool{}
	for _, e := range All() {
		if e.Name == "" || names[e.Name] {
			t.Errorf("engine name %q empty or repeated", e.Name)
		}
		names[e.Name] = true
		if len(e.Images) == 0 {
			t.Errorf("%s: no image needles: the classifier would never see it run", e.Name)
		}
		for _, s := range append(append([]string{}, e.Images...), e.Commands...) {
			if s == "" || s != strings.ToLower(s) {
				t.Errorf("%s: needle %q must be non-empty and lowercase (matched against lowercased text)", e.Name, s)
			}
		}
		if m := e.Metrics; m != nil {
			if m.Prefix == "" || prefixes[m.Prefix] {
				t.Errorf("%s: metric prefix %q empty or shared: the exposition would not say whose it is", e.Name, m.Prefix)
			}
			prefixes[m.Prefix] = true
			if len(m.Ports) == 0 {
				t.Errorf("%s: no default metrics port", e.Name)
			}
			if m.Tokens == "" && m.TokensSum == "" && m.Inferences == "" {
				t.Errorf("%s: no family to rate (tokens, token sums or inferences)", e.Name)
			}
			for _, f := range []string{m.Tokens, m.Prompt, m.TokensSum, m.PromptSum, m.Inferences, m.Running, m.Waiting} {
				if f != "" && !strings.HasPrefix(f, m.Prefix) {
					t.Errorf("%s: family %q lacks the prefix %q", e.Name, f, m.Prefix)
				}
			}
		}
	}
}

// TestServe: what the bench runs as a server has a port, a readiness
// path and, when it pulls, no metrics it lacks; the images the field
// names are found, and names resolve.
func TestServe(t *testing.T) {
	for _, e := range All() {
		s := e.Serve
		if s == nil {
			continue
		}
		if s.Port <= 0 || !strings.HasPrefix(s.Ready, "/") {
			t.Errorf("%s: serve port %d, ready %q", e.Name, s.Port, s.Ready)
		}
		if s.Port < 1024 {
			t.Errorf("%s: port %d needs NET_BIND_SERVICE, which bench pods drop", e.Name, s.Port)
		}
		if s.MetricsPath != "" && e.Metrics == nil {
			t.Errorf("%s: a metrics path but no families to read there", e.Name)
		}
	}
	for image, want := range map[string]string{
		"vllm/vllm-openai:v0.11.0":                            "vLLM",
		"lmsysorg/sglang:v0.5.3-cu126":                        "SGLang",
		"ghcr.io/huggingface/text-generation-inference:3.3.6": "Hugging Face TGI",
		"ghcr.io/ggml-org/llama.cpp:server":                   "llama.cpp",
		"docker.io/ollama/ollama:0.12.6":                      "Ollama",
		"registry.k8s.io/e2e-test-images/busybox:1.36.1-1":    "",
		"nvcr.io/nim/meta/llama-3.1-8b-instruct:1.8.0":        "NVIDIA NIM",
	} {
		got := ""
		if e := ForImage(image); e != nil {
			got = e.Name
		}
		if got != want {
			t.Errorf("ForImage(%s) = %q, want %q", image, got, want)
		}
	}
	for name, want := range map[string]string{"vllm": "vLLM", "TGI": "Hugging Face TGI", "llama.cpp": "llama.cpp", "Ollama": "Ollama", "nope": ""} {
		got := ""
		if e := Named(name); e != nil {
			got = e.Name
		}
		if got != want {
			t.Errorf("Named(%s) = %q, want %q", name, got, want)
		}
	}
	if got := strings.Join(Served(), ", "); got != "vLLM, Hugging Face TGI, SGLang, llama.cpp, Ollama" {
		t.Errorf("Served() = %s", got)
	}
}
