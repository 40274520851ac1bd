package audit

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestParseAddress(t *testing.T) {
	for _, tt := range []struct {
		in     string
		strict bool
		host   string
		port   int32
		ok     bool
	}{
		{"http://litellm.gw.svc.cluster.local:4000/v1", false, "litellm.gw.svc.cluster.local", 4000, true},
		{"https://api.openai.com/v1", false, "api.openai.com", 443, true},
		{"http://user:pw@qdrant.rag:6333/collections", false, "qdrant.rag", 6333, true},
		{"grpc://otel:4317", false, "otel", 4317, true},
		{"qdrant.rag.svc:6333", false, "qdrant.rag.svc", 6333, true},
		{"qdrant:6333", false, "qdrant", 6333, true},
		{"10.12.0.7:6379", false, "10.12.0.7", 6379, true},
		{"example.com", false, "", 0, false}, // a name alone may not be an address
		{"sk-live-0123456789abcdef", false, "", 0, false},
		{"hunter2", false, "", 0, false},
		{"a b:80", false, "", 0, false},
		{"qdrant:6333", true, "", 0, false}, // in args, only URLs and Service names
		{"/models/llama:8b", true, "", 0, false},
		{"tei.rag.svc.cluster.local:8080", true, "tei.rag.svc.cluster.local", 8080, true},
	} {
		h, p, ok := ParseAddress(tt.in, tt.strict)
		if h != tt.host || p != tt.port || ok != tt.ok {
			t.Errorf("ParseAddress(%q, %v) = %q %d %v, want %q %d %v", tt.in, tt.strict, h, p, ok, tt.host, tt.port, tt.ok)
		}
	}
}

// TestKeepAddressesKeepsOnlyHostAndPort: what a cache keeps of a value is
// the address a variable names, never its credentials, path or query,
// and nothing of a variable that names none; read again, the kept values
// give the same destinations.
func TestKeepAddressesKeepsOnlyHostAndPort(t *testing.T) {
	secret := &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{}}
	env := []corev1.EnvVar{
		{Name: "QDRANT_URL", Value: "http://indexer:s3cr3t@qdrant.rag:6333/collections/x?api-key=k"},
		{Name: "OPENAI_BASE_URL", Value: "https://api.openai.com/v1"},
		{Name: "OPENAI_API_KEY", Value: "sk-live-0123456789"},
		{Name: "DATABASE_PASSWORD", Value: "http://looks.like:80/a-url"},
		{Name: "CACHE_ADDR", Value: "10.0.0.7:6379"},
		{Name: "MODEL_NAME", Value: "meta-llama/Llama-3.1-8B"},
		{Name: "GATEWAY", Value: "litellm-gateway.llm-serving.svc"},
		{Name: "LLM_BASE_URL", Value: "http://$(GATEWAY):8000/v1"}, // the kubelet expands it
		{Name: "TOKEN", ValueFrom: secret},
		{Name: "AUTH_URL", Value: "https://$(TOKEN)@auth.example.com"}, // through a Secret: unreadable
		{Name: "SHELL_URL", Value: "${UPSTREAM}"},                      // the kubelet does not expand ${}
		{Name: "EMBED_HOST", Value: "tei"},
		{Name: "EMBED_PORT", Value: "8080"},
		// A password with "/", "?" or "#" unescaped: the URL parser would
		// take part of it for the host. Nothing of these is kept.
		{Name: "REDIS_URL", Value: "redis://sk_live_abc/def@redis:6379"},
		{Name: "GW_URL", Value: "http://s3cr3tToken/x@gw.llm.svc"},
		{Name: "API_URL", Value: "https://hunter2?x@api.example.com"},
		{Name: "HASH_URL", Value: "https://pa#ss@api.example.com"},
	}
	want := []string{"qdrant.rag:6333", "api.openai.com:443", "", "", "10.0.0.7:6379", "", "", "litellm-gateway.llm-serving.svc:8000", "", unreadable, unreadable, "tei:8080", "", "", "", "", ""}
	got := KeepAddresses(env)
	if !slices.Equal(got, want) {
		t.Fatalf("kept\n  %q\nwant\n  %q", got, want)
	}
	kept := slices.Clone(env)
	for i := range kept {
		kept[i].Value = got[i]
	}
	if a, b := Destinations(&corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Env: env}}}), Destinations(&corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Env: kept}}}); !slices.Equal(a, b) {
		t.Errorf("the kept values read otherwise:\n%v\n%v", a, b)
	}
}

// TestProxyCarriesTheImpliedAPIs: a container with a proxy reaches its
// provider's API through it; the proxy is the destination.
func TestProxyCarriesTheImpliedAPIs(t *testing.T) {
	spec := &corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Env: []corev1.EnvVar{
		{Name: "OPENAI_API_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{}}},
		{Name: "HTTPS_PROXY", Value: "http://egress-proxy.platform.svc.cluster.local:3128"},
	}}}}
	ds := Destinations(spec)
	if len(ds) != 1 || ds[0].Address() != "egress-proxy.platform.svc.cluster.local:3128" {
		t.Errorf("%+v", ds)
	}
}

func TestDestinations(t *testing.T) {
	spec := &corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init", Env: []corev1.EnvVar{{Name: "HF_ENDPOINT", Value: "https://hf-mirror.internal.example:8443"}}}},
		Containers: []corev1.Container{{
			Name: "agent",
			Args: []string{"--mcp=http://mcp.agents.svc:8080/mcp", "--model", "/models/llama", "--tei-url=http://tei.rag.svc.cluster.local:8080"},
			Env: []corev1.EnvVar{
				{Name: "OPENAI_API_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{}}},
				{Name: "OPENAI_BASE_URL", Value: "http://litellm.gw.svc.cluster.local:4000/v1"},
				{Name: "ANTHROPIC_API_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{}}},
				{Name: "HTTPS_PROXY", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{}}},
				{Name: "LOG_LEVEL", Value: "debug"},
			},
		}, {
			Name: "direct",
			Env:  []corev1.EnvVar{{Name: "ANTHROPIC_API_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{}}}},
		}},
	}
	var got []string
	for _, d := range Destinations(spec) {
		s := d.Container + " " + d.From + " " + d.Address()
		if d.Secret {
			s += " secret"
		}
		if d.Implied {
			s += " implied"
		}
		got = append(got, s)
	}
	want := []string{
		"init env HF_ENDPOINT hf-mirror.internal.example:8443",
		"agent env OPENAI_BASE_URL litellm.gw.svc.cluster.local:4000",
		"agent env HTTPS_PROXY  secret",
		// OPENAI_API_KEY implies nothing: OPENAI_BASE_URL points elsewhere;
		// ANTHROPIC_API_KEY neither: the proxy carries it.
		"agent args mcp.agents.svc:8080",
		"agent args tei.rag.svc.cluster.local:8080",
		"direct env ANTHROPIC_API_KEY api.anthropic.com:443 implied",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
