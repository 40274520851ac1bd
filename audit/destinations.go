package audit

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Destination is a place a workload's configuration points it at: the
// host and port of a URL or address in an env value or an argument (its
// model gateway, a vector database, an MCP server, the OTLP collector).
// Only host and port are kept, never the rest of the value (credentials
// in a URL's user part, paths, queries).
type Destination struct {
	Host string `json:"host,omitempty"`
	// Port is the port the value names, or the scheme's (80, 443) when it
	// names none; 0 when neither says.
	Port int32 `json:"port,omitempty"`
	// Container and From say where it was read: "env OPENAI_BASE_URL",
	// "args".
	Container string `json:"container"`
	From      string `json:"from"`
	// Secret says the value cannot be read: it comes from a Secret or
	// ConfigMap tiergate does not read, or through a reference it cannot
	// expand; the destination is a variable that names one, Host empty.
	Secret bool `json:"secret,omitempty"`
	// Implied says no value names it: a provider's API key without a base
	// URL means the client's default endpoint (OPENAI_API_KEY alone →
	// api.openai.com).
	Implied bool `json:"implied,omitempty"`
}

// providers are the public APIs an API key implies when no base URL
// points the client elsewhere: key variable, the variables that would,
// and the client's default host.
var providers = []struct {
	key  string
	base []string
	host string
}{
	{"OPENAI_API_KEY", []string{"OPENAI_BASE_URL", "OPENAI_API_BASE"}, "api.openai.com"},
	{"ANTHROPIC_API_KEY", []string{"ANTHROPIC_BASE_URL"}, "api.anthropic.com"},
	{"GEMINI_API_KEY", []string{"GEMINI_BASE_URL", "GOOGLE_GEMINI_BASE_URL"}, "generativelanguage.googleapis.com"},
	{"GOOGLE_API_KEY", []string{"GEMINI_BASE_URL", "GOOGLE_GEMINI_BASE_URL"}, "generativelanguage.googleapis.com"},
	{"MISTRAL_API_KEY", []string{"MISTRAL_BASE_URL", "MISTRAL_API_BASE"}, "api.mistral.ai"},
	{"COHERE_API_KEY", []string{"COHERE_BASE_URL", "CO_API_URL"}, "api.cohere.com"},
	{"GROQ_API_KEY", []string{"GROQ_BASE_URL"}, "api.groq.com"},
	{"TOGETHER_API_KEY", []string{"TOGETHER_BASE_URL"}, "api.together.xyz"},
	{"TAVILY_API_KEY", nil, "api.tavily.com"},
	{"HF_TOKEN", []string{"HF_ENDPOINT", "HF_HUB_ENDPOINT"}, "huggingface.co"},
	{"HUGGING_FACE_HUB_TOKEN", []string{"HF_ENDPOINT", "HF_HUB_ENDPOINT"}, "huggingface.co"},
}

// impliedDestinations are the public APIs a container's keys imply. A
// key of another name says nothing sure (QDRANT__SERVICE__API_KEY guards
// the server itself): it implies nothing.
func impliedDestinations(c *corev1.Container) []Destination {
	names := map[string]bool{}
	for _, e := range c.Env {
		names[strings.ToUpper(e.Name)] = true
	}
	var out []Destination
	for _, p := range providers {
		if !names[p.key] || slices.ContainsFunc(p.base, func(b string) bool { return names[b] }) {
			continue
		}
		out = append(out, Destination{Host: p.host, Port: 443, Container: c.Name, From: "env " + p.key, Implied: true})
	}
	return out
}

// Address is "host:port", or the host alone.
func (d Destination) Address() string {
	if d.Port == 0 {
		return d.Host
	}
	return net.JoinHostPort(d.Host, strconv.Itoa(int(d.Port)))
}

// destinationEnv are the env names whose values are addresses: base
// URLs of model APIs, endpoints, hosts, proxies. An env name that says
// neither is not read, whatever its value looks like.
var destinationEnv = []string{"_URL", "_URI", "_ENDPOINT", "_HOST", "_ADDR", "_ADDRESS", "_BASE", "_SERVER", "_PROXY", "_GATEWAY"}

func isDestinationEnv(name string) bool {
	n := strings.ToUpper(name)
	if n == "NO_PROXY" {
		return false // a list of exceptions, not an address
	}
	for _, s := range destinationEnv {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// Destinations lists the addresses a pod spec's containers are pointed
// at through env values and arguments, in container order, each once.
func Destinations(spec *corev1.PodSpec) []Destination {
	if spec == nil {
		return nil
	}
	var out []Destination
	seen := map[string]bool{}
	add := func(d Destination) {
		key := d.Container + "\x00" + d.From + "\x00" + d.Address()
		if !seen[key] {
			seen[key] = true
			out = append(out, d)
		}
	}
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range cs {
			c := &cs[i]
			for j, a := range envAddresses(c.Env) {
				from := "env " + c.Env[j].Name
				switch {
				case a.unread:
					add(Destination{Container: c.Name, From: from, Secret: true})
				case a.host != "":
					add(Destination{Host: a.host, Port: a.port, Container: c.Name, From: from})
				}
			}
			if !hasProxy(c.Env) {
				for _, d := range impliedDestinations(c) {
					add(d)
				}
			}
			for _, words := range [][]string{c.Command, c.Args} {
				for _, w := range words {
					// --flag=value, or a value on its own.
					if i := strings.IndexByte(w, '='); i >= 0 && strings.HasPrefix(w, "-") {
						w = w[i+1:]
					}
					if h, p, ok := ParseAddress(w, true); ok {
						add(Destination{Host: h, Port: p, Container: c.Name, From: "args"})
					}
				}
			}
		}
	}
	return out
}

// ParseAddress reads a host and port from a URL ("http://gw.llm:8000/v1",
// "grpc://otel:4317") or an address ("qdrant.rag.svc:6333",
// "otel-collector.observability:4317"). Bare words are not addresses
// (an API key is a bare word); in arguments, where flags and paths
// abound, only URLs and cluster service names count.
func ParseAddress(v string, strict bool) (string, int32, bool) {
	v = strings.TrimSpace(v)
	if v == "" || strings.ContainsAny(v, " \t\n") {
		return "", 0, false
	}
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil || u.Hostname() == "" {
			return "", 0, false
		}
		// An "@" the parser did not take as the end of user:password
		// means a credential with a "/", "?" or "#" in it: what the
		// parser calls the host may be part of that secret.
		if u.User == nil && strings.Contains(v, "@") {
			return "", 0, false
		}
		host := strings.ToLower(u.Hostname())
		if !validHost(host) && !dnsLabel(host) {
			return "", 0, false
		}
		return host, urlPort(u), true
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		host, port = v, ""
	}
	host = strings.ToLower(host)
	// A bare name with a port ("qdrant:6333") is a Service of the pod's
	// namespace; with neither a dot nor a port it is just a word.
	bare := !strict && port != "" && dnsLabel(host)
	if !validHost(host) && !bare {
		return "", 0, false
	}
	p := int32(0)
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return "", 0, false
		}
		p = int32(n)
	}
	switch {
	case ClusterHost(host), bare:
	case strict:
		return "", 0, false
	case p == 0 && net.ParseIP(host) == nil:
		return "", 0, false // "example.com" alone may be a name, not an address
	}
	return host, p, true
}

func urlPort(u *url.URL) int32 {
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err == nil {
			return int32(n)
		}
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	}
	return 0
}

// validHost is a DNS name with a dot, or an IP.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	return strings.Contains(h, ".") && len(validation.IsDNS1123Subdomain(h)) == 0
}

// dnsLabel is a name without dots that could be a Service's.
func dnsLabel(l string) bool { return len(validation.IsDNS1123Label(l)) == 0 }

// ClusterHost says a host name is a Service's in-cluster name
// (NAME.NAMESPACE.svc[.cluster.local]).
func ClusterHost(h string) bool {
	return strings.HasSuffix(h, ".svc") || strings.Contains(h, ".svc.")
}

// ServiceName splits an in-cluster host into the Service's name and
// namespace ("gw.llm.svc.cluster.local" → gw, llm). A two-label name
// ("gw.llm") is returned too: the caller decides whether such a Service
// exists.
func ServiceName(h string) (name, namespace string, ok bool) {
	labels := strings.Split(h, ".")
	switch {
	case len(labels) >= 3 && labels[2] == "svc":
		return labels[0], labels[1], true
	case len(labels) == 2:
		return labels[0], labels[1], true
	}
	return "", "", false
}
