package audit

import (
	"net"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// unreadable is what a cache keeps of a destination variable whose value
// cannot be read as an address (it refers to a Secret's variable, or to a
// shell variable the kubelet does not expand): that there is one.
const unreadable = "$(?)"

// envRef is a reference to another variable: $(VAR), which the kubelet
// expands from the variables defined before, or ${VAR}, which it does not.
var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\{[^}]*\}`)

// envAddress is what one destination variable of a container names.
type envAddress struct {
	host string
	port int32
	// unread: the value names an address tiergate cannot read (from a
	// Secret, or through a reference it cannot expand).
	unread bool
}

// envAddresses reads a container's env as the kubelet would hand it over:
// $(VAR) expanded from the plain variables before it, a NAME_HOST
// paired with its NAME_PORT. The result is parallel to env; a variable
// that names no address has the zero value.
func envAddresses(env []corev1.EnvVar) []envAddress {
	out := make([]envAddress, len(env))
	values := map[string]string{} // plain values, for $(VAR)
	ports := map[string]string{}  // NAME_PORT → its number
	for _, e := range env {
		if n, ok := strings.CutSuffix(strings.ToUpper(e.Name), "_PORT"); ok {
			if _, err := strconv.ParseUint(e.Value, 10, 16); err == nil {
				ports[n] = e.Value
			}
		}
	}
	for i, e := range env {
		v := e.Value
		refsUnread := false
		if strings.Contains(v, "$") { // most values refer to nothing
			v = envRef.ReplaceAllStringFunc(v, func(m string) string {
				name := strings.TrimSuffix(strings.TrimPrefix(m, "$("), ")")
				if val, ok := values[name]; ok && !strings.HasPrefix(m, "${") {
					return val
				}
				refsUnread = true
				return m
			})
		}
		if e.ValueFrom == nil {
			values[e.Name] = v
		}
		if !isDestinationEnv(e.Name) {
			continue
		}
		switch {
		case e.ValueFrom != nil && (e.ValueFrom.SecretKeyRef != nil || e.ValueFrom.ConfigMapKeyRef != nil), refsUnread, v == unreadable:
			out[i].unread = true
			continue
		}
		// NAME_HOST=qdrant with NAME_PORT=6333 is one address.
		if n, ok := strings.CutSuffix(strings.ToUpper(e.Name), "_HOST"); ok && !strings.Contains(v, ":") {
			if p, ok := ports[n]; ok && v != "" {
				v = net.JoinHostPort(v, p)
			}
		}
		if h, p, ok := ParseAddress(v, false); ok {
			out[i] = envAddress{host: h, port: p}
		}
	}
	return out
}

// KeepAddresses is what a cache keeps of a container's env values: for
// each variable that names an address, "host:port" (or the host) and
// nothing else of the value, or a mark that it names one tiergate cannot
// read; for any other, nothing. Destinations reads the kept values as it
// reads the originals.
func KeepAddresses(env []corev1.EnvVar) []string {
	out := make([]string, len(env))
	for i, a := range envAddresses(env) {
		switch {
		case a.unread && env[i].ValueFrom == nil:
			out[i] = unreadable
		case a.host != "" && a.port == 0:
			out[i] = a.host
		case a.host != "":
			out[i] = net.JoinHostPort(a.host, strconv.Itoa(int(a.port)))
		}
	}
	return out
}

// hasProxy says the container sends its HTTP(S) through a proxy: the
// public APIs its keys imply are reached through that proxy, which is a
// destination of its own.
func hasProxy(env []corev1.EnvVar) bool {
	for _, e := range env {
		switch strings.ToUpper(e.Name) {
		case "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY":
			if e.Value != "" || e.ValueFrom != nil {
				return true
			}
		}
	}
	return false
}
