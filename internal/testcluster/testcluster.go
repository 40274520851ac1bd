// Package testcluster runs a real Kubernetes control plane for tests and
// the lab: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler built from source (make k8s-bins), started by kwokctl on
// free ports, with the kwok controller playing the kubelets of fake
// nodes. No mock apiserver: integration tests talk to the real one.
package testcluster

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// kwokConfig configures the kwok controller (exec in namespace probe-exec).
//
//go:embed kwok.yaml
var kwokConfig []byte

// Binaries the control plane is started from, in bin/k8s/.
var binaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kwokctl"}

// Cluster is one running control plane.
type Cluster struct {
	Name string
	// Workdir holds kwokctl's state (KWOK_WORKDIR).
	Workdir string
	// Kubeconfig is the admin kubeconfig file.
	Kubeconfig string
	// Config is the admin rest.Config.
	Config *rest.Config
	bin    string
	// portsHeld releases the port lock a stopped control plane holds
	// until it starts again (its ports are free meanwhile).
	portsHeld func()
}

// Options tune a cluster.
type Options struct {
	// Name defaults to a random "tiergate-…" name.
	Name string
	// Workdir defaults to a fresh temporary directory.
	Workdir string
	// BinDir defaults to bin/k8s in the repository.
	BinDir string
	// NoControllers leaves out kube-controller-manager and
	// kube-scheduler; by default they run (Deployments roll out, pods get
	// scheduled onto the kwok nodes).
	NoControllers bool
}

// RepoRoot finds the repository root from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(data, []byte("module github.com/tiergate/tiergate\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testcluster: not inside the tiergate repository")
		}
		dir = parent
	}
}

// BinDir returns bin/k8s and checks that every binary is there.
func BinDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "bin", "k8s")
	var missing []string
	for _, b := range binaries {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("control plane binaries missing in %s (%s): run make k8s-bins", dir, strings.Join(missing, ", "))
	}
	return dir, nil
}

// Start creates a cluster and waits until the apiserver answers.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	bin := opts.BinDir
	if bin == "" {
		var err error
		if bin, err = BinDir(); err != nil {
			return nil, err
		}
	}
	name := opts.Name
	if name == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		name = "tiergate-" + hex.EncodeToString(b[:])
	}
	workdir := opts.Workdir
	if workdir == "" {
		var err error
		if workdir, err = os.MkdirTemp("", "tiergate-kwok-"); err != nil {
			return nil, err
		}
	}
	c := &Cluster{Name: name, Workdir: workdir, bin: bin}
	config := filepath.Join(workdir, "kwok.yaml")
	full, err := kwokFullConfig(workdir)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(config, full, 0o644); err != nil {
		return nil, err
	}
	args := []string{"-c", config, "create", "cluster",
		"--runtime", "binary",
		"--etcd-binary", filepath.Join(bin, "etcd"),
		"--kube-apiserver-binary", filepath.Join(bin, "kube-apiserver"),
		"--kube-controller-manager-binary", filepath.Join(bin, "kube-controller-manager"),
		"--kube-scheduler-binary", filepath.Join(bin, "kube-scheduler"),
		"--kwok-controller-binary", filepath.Join(bin, "kwok"),
		"--kube-authorization",
		// Port-forward rules are objects tests create while the cluster
		// runs (portforward.go), not part of its configuration.
		"--enable-crds", portForwardCRD,
		"--wait", "2m",
		// Never into the user's kubeconfig: kwokctl would otherwise add
		// its context to ~/.kube/config, make it current, and leave it
		// behind pointing at deleted certificates.
		"--kubeconfig=" + c.ownKubeconfig(),
	}
	if opts.NoControllers {
		args = append(args, "--disable-kube-controller-manager", "--disable-kube-scheduler")
	}
	unlock, err := lockPorts(ctx)
	if err != nil {
		return nil, err
	}
	out, err := c.kwokctl(ctx, args...)
	unlock()
	if err != nil {
		logs := c.componentLogs(5)
		_, _ = c.kwokctl(context.Background(), "delete", "cluster", "--kubeconfig="+c.ownKubeconfig())
		return nil, fmt.Errorf("kwokctl create cluster: %v: %s%s", err, lastLines(out, 15), logs)
	}
	c.Kubeconfig = filepath.Join(workdir, "clusters", name, "kubeconfig.yaml")
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		c.Stop()
		return nil, err
	}
	c.Config = cfg
	if err := c.WaitReady(ctx, readyAfterStart); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// kwokctl runs kwokctl for this cluster. KUBECONFIG points into the
// workdir too, so that a kwokctl default we did not override (create and
// delete get --kubeconfig explicitly) still cannot reach the user's.
func (c *Cluster) kwokctl(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, "kwokctl"), append([]string{"--name", c.Name}, args...)...)
	cmd.Env = append(os.Environ(), "KWOK_WORKDIR="+c.Workdir, "KUBECONFIG="+c.ownKubeconfig())
	return cmd.CombinedOutput()
}

// ownKubeconfig is the file kwokctl may add its context to: the cluster's
// own, in its workdir (kwokctl's default is ~/.kube/config).
func (c *Cluster) ownKubeconfig() string {
	return filepath.Join(c.Workdir, "kwokctl-kubeconfig")
}

// readyAfterStart bounds the wait for /readyz after a (re)start.
const readyAfterStart = 3 * time.Minute

// WaitReady polls the apiserver's readiness endpoint.
func (c *Cluster) WaitReady(ctx context.Context, timeout time.Duration) error {
	kube, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		last = kube.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("apiserver not ready after %v: %v", timeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// StopControlPlane stops every component (the apiserver goes away);
// StartControlPlane brings them back on the same ports and data.
// The port lock is held in between, so that no cluster created meanwhile
// takes the ports this one will come back on.
func (c *Cluster) StopControlPlane(ctx context.Context) error {
	unlock, err := lockPorts(ctx)
	if err != nil {
		return err
	}
	if out, err := c.kwokctl(ctx, "stop", "cluster"); err != nil {
		unlock()
		return fmt.Errorf("kwokctl stop cluster: %v: %s", err, lastLines(out, 10))
	}
	c.portsHeld = unlock
	return nil
}

// StartControlPlane restarts a stopped cluster and waits for it.
func (c *Cluster) StartControlPlane(ctx context.Context) error {
	out, err := c.kwokctl(ctx, "start", "cluster", "--wait", "2m")
	c.releasePorts()
	if err != nil {
		return fmt.Errorf("kwokctl start cluster: %v: %s%s", err, lastLines(out, 10), c.componentLogs(5))
	}
	// A restart replays etcd and rebuilds every cache: on a CI machine
	// busy with other packages' clusters a minute was once not enough.
	return c.WaitReady(ctx, readyAfterStart)
}

func (c *Cluster) releasePorts() {
	if c.portsHeld != nil {
		c.portsHeld()
		c.portsHeld = nil
	}
}

// componentLogs is the end of each component's log, for an error that
// says why a control plane did not serve (a port taken, etcd too slow).
func (c *Cluster) componentLogs(n int) string {
	files, _ := filepath.Glob(filepath.Join(c.Workdir, "clusters", c.Name, "logs", "*.log"))
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s: %s", filepath.Base(f), lastLines(data, n))
	}
	return b.String()
}

// Stop deletes the cluster and its state.
func (c *Cluster) Stop() {
	c.releasePorts()
	_, _ = c.kwokctl(context.Background(), "delete", "cluster", "--kubeconfig="+c.ownKubeconfig())
	if strings.HasPrefix(filepath.Base(c.Workdir), "tiergate-kwok-") {
		_ = os.RemoveAll(c.Workdir)
	}
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Attach returns the cluster name in workdir if it is running.
func Attach(ctx context.Context, name, workdir string) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Name: name, Workdir: workdir, bin: bin, Kubeconfig: filepath.Join(workdir, "clusters", name, "kubeconfig.yaml")}
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	c.Config = cfg
	if err := c.WaitReady(ctx, 3*time.Second); err != nil {
		return nil, err
	}
	return c, nil
}

// Delete removes a cluster by name and workdir, running or not.
func Delete(name, workdir string) error {
	bin, err := BinDir()
	if err != nil {
		return err
	}
	c := &Cluster{Name: name, Workdir: workdir, bin: bin}
	if out, err := c.kwokctl(context.Background(), "delete", "cluster", "--kubeconfig="+c.ownKubeconfig()); err != nil {
		return fmt.Errorf("kwokctl delete cluster: %v: %s", err, lastLines(out, 5))
	}
	return nil
}
