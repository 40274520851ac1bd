package bench

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/engines"
)

// Server makes the bench pods an LLM server: the image's own entrypoint
// with Args, ready when the engine says its model is loaded, its
// OpenAI-compatible API on Port.
type Server struct {
	Engine      string `json:"engine"`
	Port        int32  `json:"port"`
	Ready       string `json:"ready"`
	MetricsPath string `json:"metricsPath,omitempty"`
	// Args are the person's (they may hold a key): never reported.
	Args []string `json:"-"`
	// Env is the engine's own (TGI's PORT), never the person's.
	Env map[string]string `json:"-"`
	// Pull: the server is asked to pull Model before the load (Ollama).
	Pull bool `json:"pull,omitempty"`
}

// NewServer is the server an image runs: the engine the image names (as
// the audit reads it) or, for an image of another name, the one engine
// names; nil when neither is a server the bench can drive. port 0 keeps
// the engine's.
func NewServer(image, engine string, args []string, port int32) (*Server, error) {
	e := engines.ForImage(image)
	if engine != "" {
		if e = engines.Named(engine); e == nil || e.Serve == nil {
			return nil, fmt.Errorf("--engine %q: want one of %s", engine, strings.Join(engines.Served(), ", "))
		}
	}
	if e == nil || e.Serve == nil {
		if len(args) > 0 || port != 0 {
			return nil, fmt.Errorf("--arg and --port are for an LLM server image (%s); %s is none: name its engine with --engine", strings.Join(engines.Served(), ", "), image)
		}
		return nil, nil
	}
	s := &Server{Engine: e.Name, Port: e.Serve.Port, Ready: e.Serve.Ready, MetricsPath: e.Serve.MetricsPath,
		Args: slices.Clone(args), Env: maps.Clone(e.Serve.Env), Pull: e.Serve.Pull}
	if port != 0 {
		s.Port = port
		// An engine told its port by Env (TGI's PORT) must listen where
		// the probe and the forward go.
		if _, ok := s.Env["PORT"]; ok {
			s.Env["PORT"] = strconv.Itoa(int(port))
		}
	}
	return s, nil
}

// serverDirs are where the server may write: its root filesystem is not
// its own (uid 65534), so HOME and the caches move to an emptyDir.
var serverDirs = [][2]string{
	{"HOME", "/tmp/home"},
	{"XDG_CACHE_HOME", "/tmp/cache"},
	{"HF_HOME", "/tmp/cache/huggingface"},
}

// serverContainer turns the bench container into the server: the image's
// entrypoint and Args, the API port, a readiness probe on the engine's
// ready path, writable /tmp and /dev/shm, HOME and caches there.
func serverContainer(p *corev1.Pod, s *Server, memory *resource.Quantity) {
	c := &p.Spec.Containers[0]
	c.Command = nil
	c.Args = slices.Clone(s.Args)
	c.Ports = []corev1.ContainerPort{{Name: "api", ContainerPort: s.Port, Protocol: corev1.ProtocolTCP}}
	c.ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: s.Ready, Port: intstr.FromInt32(s.Port)}},
		PeriodSeconds: 2, TimeoutSeconds: 2, FailureThreshold: 1,
	}
	// Engines write caches and compiled kernels in places of their own:
	// a read-only root would fail them in ways unrelated to isolation.
	c.SecurityContext.ReadOnlyRootFilesystem = ptr.To(false)
	for _, kv := range serverDirs {
		c.Env = append(c.Env, corev1.EnvVar{Name: kv[0], Value: kv[1]})
	}
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: s.Env[k]})
	}
	c.VolumeMounts = []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}, {Name: "shm", MountPath: "/dev/shm"}}
	p.Spec.Volumes = []corev1.Volume{
		{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "shm", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
	}
	// A model server needs far more than the small image: a CPU and
	// 4Gi requested, no limit unless --memory says one.
	c.Resources.Requests[corev1.ResourceCPU] = resource.MustParse("1")
	c.Resources.Requests[corev1.ResourceMemory] = resource.MustParse("4Gi")
	delete(c.Resources.Limits, corev1.ResourceMemory)
	if memory != nil {
		c.Resources.Requests[corev1.ResourceMemory], c.Resources.Limits[corev1.ResourceMemory] = *memory, *memory
	}
}
