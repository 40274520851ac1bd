package bench

import (
	"strconv"
	"testing"
)

// The server listens where its readiness probe and the port-forward go:
// --port moves TGI's PORT with them, not the probe alone.
func TestServerListensOnTheProbedPort(t *testing.T) {
	for _, tt := range []struct {
		image string
		port  int32
		want  int32
	}{
		{"ghcr.io/huggingface/text-generation-inference:3.3.6", 0, 8080},
		{"ghcr.io/huggingface/text-generation-inference:3.3.6", 9000, 9000},
		{"vllm/vllm-openai:v0.11.0", 9000, 9000},
	} {
		s, err := NewServer(tt.image, "", nil, tt.port)
		if err != nil || s == nil {
			t.Fatalf("%s: %v %v", tt.image, s, err)
		}
		c := Pod(Target{Name: DefaultTarget}, "ns", 0, PodOptions{Server: s}).Spec.Containers[0]
		probe := c.ReadinessProbe.HTTPGet.Port.IntVal
		env := map[string]string{}
		for _, e := range c.Env {
			env[e.Name] = e.Value
		}
		if probe != tt.want || c.Ports[0].ContainerPort != tt.want || s.Port != tt.want {
			t.Errorf("%s --port %d: probe %d, port %d, forward %d; want %d", tt.image, tt.port, probe, c.Ports[0].ContainerPort, s.Port, tt.want)
		}
		if v, ok := env["PORT"]; ok && v != strconv.Itoa(int(tt.want)) {
			t.Errorf("%s --port %d: the server listens on PORT=%s, probed on %d", tt.image, tt.port, v, tt.want)
		}
	}
	// The engine's table is not changed by a --port.
	if s, _ := NewServer("text-generation-inference", "", nil, 0); s.Env["PORT"] != "8080" {
		t.Errorf("TGI's PORT after a --port elsewhere: %q", s.Env["PORT"])
	}
}
