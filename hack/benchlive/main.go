// Command benchlive measures a live audit against a real control plane:
// it starts one (no controllers: the pods are created bound to kwok
// nodes), seeds N realistic LLM pods over 100 namespaces, every released
// CRD tiergate watches with an object of each workload kind in each of
// the first 20 namespaces, and a Sandbox for one pod in ten (its owner,
// as agent-sandbox's controller makes them), so that every watch is on;
// then runs, side
// by side, the raw protobuf LIST of all pods (curl), kubectl get pods -A
// -o json, and tiergate audit -A -o json, printing wall time and peak RSS
// of each and their ratios to the raw LIST.
//
//	go run ./hack/benchlive [-pods 10000]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/tiergate/tiergate/internal/testcluster"
)

func main() {
	pods := flag.Int("pods", 10000, "pods to seed")
	namespaces := flag.Int("namespaces", 100, "namespaces to spread them over")
	keep := flag.Bool("keep", false, "leave the cluster running")
	flag.Parse()
	if err := run(*pods, *namespaces, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "benchlive: "+err.Error())
		os.Exit(1)
	}
}

// run does the work; returning (rather than exiting) lets the deferred
// cluster deletion run on failure too.
func run(pods, namespaces int, keep bool) error {
	root, err := testcluster.RepoRoot()
	if err != nil {
		return err
	}
	ctx := context.Background()
	fmt.Printf("benchlive: starting a control plane\n")
	cl, err := testcluster.Start(ctx, testcluster.Options{NoControllers: true})
	if err != nil {
		return err
	}
	if !keep {
		defer cl.Stop()
	}
	cfg := *cl.Config
	cfg.QPS, cfg.Burst = 500, 1000
	kube := kubernetes.NewForConfigOrDie(&cfg)
	start := time.Now()
	if err := seedPods(ctx, kube, pods, namespaces); err != nil {
		return err
	}
	fmt.Printf("benchlive: seeded %d pods in %d namespaces in %.1fs\n", pods, namespaces, time.Since(start).Seconds())
	start = time.Now()
	customs, err := seedCustom(ctx, &cfg, kube, root, pods, namespaces)
	if err != nil {
		return err
	}
	fmt.Printf("benchlive: seeded every released CRD and %d custom resources in %.1fs\n\n", customs, time.Since(start).Seconds())

	tiergate := filepath.Join(root, "bin", "tiergate")
	build := exec.Command("go", "build", "-o", tiergate, "./cmd/tiergate")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	// Run from the file the linker just wrote, the same build peaks
	// 20-30 MB higher than from a copy: measure a copy, as a user's
	// installed binary is.
	if tiergate, err = copyBinary(tiergate); err != nil {
		return err
	}
	defer os.Remove(tiergate)
	pki := filepath.Join(cl.Workdir, "clusters", cl.Name, "pki")
	listURL := cl.Config.Host + "/api/v1/pods"
	rows := []struct{ name, cmd string }{
		{"raw LIST (protobuf, curl)", fmt.Sprintf("curl -sSf --cacert %s/ca.crt --cert %s/admin.crt --key %s/admin.key -H 'Accept: application/vnd.kubernetes.protobuf' %q -o /dev/null", pki, pki, pki, listURL)},
		{"kubectl get pods -A -o json", fmt.Sprintf("%s --kubeconfig %s get pods -A -o json > /dev/null", filepath.Join(root, "bin", "k8s", "kubectl"), cl.Kubeconfig)},
		{"tiergate audit -A -o json", fmt.Sprintf("%s audit --kubeconfig %s -A -o json > /dev/null", tiergate, cl.Kubeconfig)},
	}
	var base float64
	// The machine may be shared: its load is printed with the figures,
	// and user CPU and peak RSS vary less with it than wall time.
	fmt.Printf("%-30s %10s %10s %12s %10s %6s\n", "command", "wall (s)", "user (s)", "peak RSS MB", "x LIST", "load")
	for i, r := range rows {
		if strings.HasPrefix(r.name, "kubectl") {
			if _, err := os.Stat(filepath.Join(root, "bin", "k8s", "kubectl")); err != nil {
				fmt.Printf("%-30s %10s %10s %12s %10s\n", r.name, "-", "-", "-", "(make k8s-bins)")
				continue
			}
		}
		m, err := measure(r.cmd)
		if err != nil {
			return err
		}
		if i == 0 {
			base = m.wall
		}
		fmt.Printf("%-30s %10.2f %10.2f %12.0f %10.1f %6s\n", r.name, m.wall, m.user, m.rss, m.wall/base, loadAverage())
	}
	if keep {
		fmt.Printf("\nbenchlive: the cluster stays up: --kubeconfig %s\nbenchlive: delete it with KWOK_WORKDIR=%s bin/k8s/kwokctl --name %s delete cluster\n", cl.Kubeconfig, cl.Workdir, cl.Name)
	}
	return nil
}

// figures are one command's fastest run of three: wall and user CPU
// seconds, peak RSS in MB.
type figures struct{ wall, user, rss float64 }

// measure runs a shell command under GNU time, three times.
func measure(cmd string) (figures, error) {
	best := figures{wall: 1e9}
	for i := 0; i < 3; i++ {
		out, err := exec.Command("/usr/bin/time", "-f", "TIME %e %U %M", "bash", "-c", cmd).CombinedOutput()
		if err != nil {
			return figures{}, fmt.Errorf("%s: %v: %s", cmd, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		f := strings.Fields(lines[len(lines)-1])
		wall, _ := strconv.ParseFloat(f[1], 64)
		user, _ := strconv.ParseFloat(f[2], 64)
		kb, _ := strconv.ParseFloat(f[3], 64)
		if wall < best.wall {
			best = figures{wall, user, kb / 1024}
		}
	}
	return best, nil
}

// loadAverage is the one-minute load average, "?" where unreadable.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// seedPods creates n pods bound to kwok nodes, from realistic LLM shapes.
func seedPods(ctx context.Context, kube kubernetes.Interface, n, namespaces int) error {
	nodes := 50
	for i := 0; i < nodes; i++ {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("gpu-node-%02d", i), Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"}, Labels: map[string]string{"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}},
			Status: corev1.NodeStatus{
				Capacity:    corev1.ResourceList{"cpu": resource.MustParse("192"), "memory": resource.MustParse("2Ti"), "pods": resource.MustParse("1000"), "nvidia.com/gpu": resource.MustParse("8")},
				Allocatable: corev1.ResourceList{"cpu": resource.MustParse("190"), "memory": resource.MustParse("2Ti"), "pods": resource.MustParse("1000"), "nvidia.com/gpu": resource.MustParse("8")},
				NodeInfo:    corev1.NodeSystemInfo{KernelVersion: "6.8.0-1015-gcp", ContainerRuntimeVersion: "containerd://2.1.0"},
			},
		}
		if _, err := kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	for i := 0; i < namespaces; i++ {
		ns := fmt.Sprintf("team-%03d", i)
		if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			return err
		}
		// No kube-controller-manager here: make the default
		// ServiceAccount that pod admission looks for.
		if _, err := kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	jobs := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				p := shape(i)
				p.Namespace = fmt.Sprintf("team-%03d", i%namespaces)
				p.Spec.NodeName = fmt.Sprintf("gpu-node-%02d", i%nodes)
				if _, err := kube.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
		if (i+1)%2000 == 0 {
			fmt.Printf("benchlive: %d pods\n", i+1)
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// shape returns one of several realistic LLM pods.
func shape(i int) *corev1.Pod {
	name := fmt.Sprintf("llm-%05d", i)
	env := func(names ...string) []corev1.EnvVar {
		var out []corev1.EnvVar
		for _, n := range names {
			out = append(out, corev1.EnvVar{Name: n, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "keys"}, Key: n}}})
		}
		return out
	}
	gpu := corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1"), "cpu": resource.MustParse("8"), "memory": resource.MustParse("64Gi")}}
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/health", Port: intstrPort(8000)}}, PeriodSeconds: 10}
	var c corev1.Container
	switch i % 5 {
	case 0:
		c = corev1.Container{Name: "vllm", Image: "vllm/vllm-openai:v0.9.2", Args: []string{"--model", "Qwen/Qwen3-8B", "--port", "8000", "--gpu-memory-utilization", "0.9"}, Env: env("HF_TOKEN"), Resources: gpu, ReadinessProbe: probe, LivenessProbe: probe, Ports: []corev1.ContainerPort{{ContainerPort: 8000, Name: "http"}}}
	case 1:
		c = corev1.Container{Name: "tei", Image: "ghcr.io/huggingface/text-embeddings-inference:cpu-1.7", Args: []string{"--model-id", "BAAI/bge-small-en-v1.5"}, ReadinessProbe: probe}
	case 2:
		c = corev1.Container{Name: "agent", Image: "ghcr.io/acme/support-agent:5", Env: env("OPENAI_API_KEY", "LANGSMITH_API_KEY"), ReadinessProbe: probe}
	case 3:
		c = corev1.Container{Name: "runner", Image: "ghcr.io/acme/code-interpreter:1.2", Env: env("E2B_API_KEY")}
	default:
		c = corev1.Container{Name: "qdrant", Image: "qdrant/qdrant:v1.14.1", Ports: []corev1.ContainerPort{{ContainerPort: 6333}}}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": c.Name, "tier": "llm"}, Annotations: map[string]string{"prometheus.io/scrape": "true"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{c}, Tolerations: []corev1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists}}},
	}
}

func intstrPort(p int32) intstr.IntOrString { return intstr.FromInt32(p) }

// copyBinary copies an executable to a temporary file, written with
// write(2) as an installed binary is, and returns its path.
func copyBinary(path string) (string, error) {
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp("", "tiergate-bench-*")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Chmod(0o755); err != nil {
		out.Close()
		return "", err
	}
	return out.Name(), out.Close()
}
