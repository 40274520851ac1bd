package testcluster

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/tiergate/tiergate/bench"
)

// defaultStages are kwok's own default stages (stages.yaml says why they
// are copied).
//
//go:embed stages.yaml
var defaultStages []byte

// BenchDelay is how long kwok takes, for a bench pod of one RuntimeClass,
// to make the sandbox (PodReadyToStartContainers) and then to start the
// containers (Ready): tiergate bench must recover exactly these.
type BenchDelay struct {
	Sandbox, Containers time.Duration
}

// BenchDelays are the lab's start delays per RuntimeClass ("" for pods
// naming none), ordered as a real cluster would be: the default runtime
// fastest, gVisor next, microVMs, then QEMU VMs, GPU VMs slowest. They
// apply only to pods labelled app.kubernetes.io/component=bench; every
// other pod starts at once, as before.
var BenchDelays = map[string]BenchDelay{
	"":                     {Sandbox: 500 * time.Millisecond, Containers: 500 * time.Millisecond},
	"gvisor":               {Sandbox: 800 * time.Millisecond, Containers: 500 * time.Millisecond},
	"gvisor-nvproxy":       {Sandbox: 900 * time.Millisecond, Containers: 500 * time.Millisecond},
	"kata-fc":              {Sandbox: 1100 * time.Millisecond, Containers: 500 * time.Millisecond},
	"kata-clh":             {Sandbox: 1300 * time.Millisecond, Containers: 500 * time.Millisecond},
	"kata-qemu":            {Sandbox: 1700 * time.Millisecond, Containers: 600 * time.Millisecond},
	"kata-qemu-nvidia-gpu": {Sandbox: 2100 * time.Millisecond, Containers: 700 * time.Millisecond},
	// The example's class of a handler tiergate does not know.
	"vendor-sandbox": {Sandbox: 1000 * time.Millisecond, Containers: 500 * time.Millisecond},
	// The probe fixture's class (internal/seed/probe-exec.yaml).
	"probe-kata": {Sandbox: 1700 * time.Millisecond, Containers: 600 * time.Millisecond},
}

// Bench images that fail on the lab, whatever the class: the image
// cannot be pulled (ErrImagePull), or the sandbox cannot be made (the
// kubelet's FailedCreatePodSandBox event; the pod stays Pending).
const (
	BenchImagePullFails = "registry.invalid/tiergate/bench-pull-fails:1"
	BenchSandboxDies    = "registry.invalid/tiergate/bench-sandbox-dies:1"
)

// failureStages make the failing images fail.
const failureStages = `---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: tiergate-bench-pull-fails
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.metadata.labels["app.kubernetes.io/component"]'
      operator: 'In'
      values:
      - 'bench'
    - key: '.spec.containers.[].image'
      operator: 'In'
      values:
      - '` + BenchImagePullFails + `'
    - key: '.status.containerStatuses.[].state.waiting.reason'
      operator: 'NotIn'
      values:
      - 'ErrImagePull'
  weight: 1
  next:
    statusTemplate: |
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          waiting:
            reason: ErrImagePull
            message: 'failed to pull image: not found'
      {{ end }}
      phase: Pending
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: tiergate-bench-sandbox-dies
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.metadata.labels["app.kubernetes.io/component"]'
      operator: 'In'
      values:
      - 'bench'
    - key: '.spec.containers.[].image'
      operator: 'In'
      values:
      - '` + BenchSandboxDies + `'
    - key: '.status.conditions.[] | select( .type == "PodReadyToStartContainers" ) | .status'
      operator: 'NotIn'
      values:
      - 'False'
      - 'True'
  weight: 1
  next:
    event:
      type: Warning
      reason: FailedCreatePodSandBox
      message: 'failed to create containerd task: failed to launch the VM'
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        type: PodReadyToStartContainers
      phase: Pending
`

// benchStage is one class's two stages: Pending → sandbox ready after
// Sandbox, then sandbox ready → Running and Ready after Containers. Weight
// 1 wins over the default pod-ready stage (weight 0) that also matches.
var benchStage = template.Must(template.New("stage").Delims("[[", "]]").Parse(`[[define "bench-pod"]]` +
	// A bench pod of the class, not being deleted, not of a failing
	// image, still Pending: what both stages select on.
	`    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.metadata.labels["app.kubernetes.io/component"]'
      operator: 'In'
      values:
      - 'bench'
[[.ClassMatch]]
[[.ImageMatch]]
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Pending'[[end]]---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: tiergate-bench-sandbox-[[.Name]]
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
[[template "bench-pod" .]]
    - key: '.status.conditions.[] | select( .type == "PodReadyToStartContainers" ) | .status'
      operator: 'NotIn'
      values:
      - 'True'
      - 'False'
  weight: 1
  delay:
    durationMilliseconds: [[.SandboxMS]]
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: PodReadyToStartContainers
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          waiting:
            reason: ContainerCreating
      {{ end }}
      phase: Pending
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: tiergate-bench-ready-[[.Name]]
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
[[template "bench-pod" .]]
    - key: '.status.conditions.[] | select( .type == "PodReadyToStartContainers" ) | .status'
      operator: 'In'
      values:
      - 'True'
  weight: 1
  delay:
    durationMilliseconds: [[.ContainersMS]]
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        started: true
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      {{ $hostIPs := NodeIPsWith .spec.nodeName }}
      {{ with $hostIPs }}
      hostIP: {{ index . 0 | Quote }}
      hostIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      {{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      {{ with $podIPs }}
      podIP: {{ index . 0 | Quote }}
      podIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
`))

// benchStages renders the stages of every class in BenchDelays.
func benchStages() []byte {
	classes := make([]string, 0, len(BenchDelays))
	for c := range BenchDelays {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	var b bytes.Buffer
	var named []string
	for _, c := range classes {
		if c != "" {
			named = append(named, "      - '"+c+"'")
		}
	}
	// Any other class a test creates starts at once.
	classes = append(classes, "*")
	for _, c := range classes {
		d := BenchDelays[c]
		name, match := c, fmt.Sprintf("    - key: '.spec.runtimeClassName'\n      operator: 'In'\n      values:\n      - '%s'", c)
		switch c {
		case "":
			name, match = "default", "    - key: '.spec.runtimeClassName'\n      operator: 'DoesNotExist'"
		case "*":
			name = "other"
			match = "    - key: '.spec.runtimeClassName'\n      operator: 'Exists'\n    - key: '.spec.runtimeClassName'\n      operator: 'NotIn'\n      values:\n" + strings.Join(named, "\n")
		}
		images := fmt.Sprintf("    - key: '.spec.containers.[].image'\n      operator: 'NotIn'\n      values:\n      - '%s'\n      - '%s'", BenchImagePullFails, BenchSandboxDies)
		err := benchStage.Execute(&b, map[string]any{"Name": strings.ReplaceAll(name, ".", "-"), "ClassMatch": match, "ImageMatch": images,
			"SandboxMS": d.Sandbox.Milliseconds(), "ContainersMS": d.Containers.Milliseconds()})
		if err != nil {
			panic(err) // a fixed template over fixed values
		}
	}
	b.WriteString(failureStages)
	return b.Bytes()
}

// kwokFullConfig is the kwok configuration test clusters start with: the
// static part, kwok's default stages, the bench stages, and the bench
// containers' log, a file written into workdir.
func kwokFullConfig(workdir string) ([]byte, error) {
	// kwok serves this as the log of every bench container (in the CRI
	// log format kubelets keep): the line the bench pod prints first, so
	// that the bench times its first log line.
	logFile := filepath.Join(workdir, "bench-container.log")
	if err := os.WriteFile(logFile, []byte(time.Now().UTC().Format(time.RFC3339Nano)+" stdout F "+bench.ReadyLine+"\n"), 0o644); err != nil {
		return nil, err
	}
	out := append([]byte(nil), kwokConfig...)
	out = append(out, "\n---\n"...)
	out = append(out, defaultStages...)
	out = append(out, '\n')
	out = append(out, benchStages()...)
	out = fmt.Appendf(out, `---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: tiergate-bench
spec:
  logs:
  - containers:
    - bench
    logsFile: %q
`, logFile)
	return out, nil
}
