// Command lab runs tiergate's local lab: a real control plane (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, with kwok
// playing the kubelets) with the field's released CRDs (internal/crds)
// installed, loaded with examples/llm-platform.yaml.
//
//	go run ./hack/lab up     # start (or reuse) and load; prints how to use it
//	go run ./hack/lab down   # stop and remove its state
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tiergate/tiergate/internal/seed"
	"github.com/tiergate/tiergate/internal/testcluster"
	"github.com/tiergate/tiergate/probe"
)

const name = "tiergate-lab"

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "up" && os.Args[1] != "down") {
		fmt.Fprintln(os.Stderr, "usage: lab up|down")
		os.Exit(2)
	}
	root, err := testcluster.RepoRoot()
	if err != nil {
		fail(err)
	}
	state := filepath.Join(root, ".lab")
	workdir := filepath.Join(state, "kwok")
	if os.Args[1] == "down" {
		if _, err := os.Stat(workdir); err == nil {
			if err := testcluster.Delete(name, workdir); err != nil {
				fail(err)
			}
		}
		if err := os.RemoveAll(state); err != nil {
			fail(err)
		}
		fmt.Println("lab: stopped and removed")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cl, err := testcluster.Attach(ctx, name, workdir)
	if err == nil {
		fmt.Println("lab: reusing the running control plane")
	} else {
		// Whatever is left of an earlier lab is stale: start afresh.
		_ = testcluster.Delete(name, workdir)
		_ = os.RemoveAll(workdir)
		if err := os.MkdirAll(workdir, 0o755); err != nil {
			fail(err)
		}
		fmt.Println("lab: starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok")
		if cl, err = testcluster.Start(ctx, testcluster.Options{Name: name, Workdir: workdir}); err != nil {
			fail(err)
		}
	}
	// Every released CRD (internal/crds), not only the example's: any of
	// the field's custom resources can be created in the lab and is
	// validated by its operator's own schema.
	if err := seed.CRDs(ctx, cl.Config); err != nil {
		fail(fmt.Errorf("installing the released CRDs: %w", err))
	}
	example := filepath.Join(root, "examples", "llm-platform.yaml")
	n, err := seed.Files(ctx, cl.Config, example)
	if err != nil {
		fail(fmt.Errorf("loading %s: %w", example, err))
	}
	// GPUs through Dynamic Resource Allocation: a node with the
	// ResourceSlice NVIDIA's DRA driver would publish, its device classes
	// and two pods whose claims the real scheduler allocates (the
	// integration test's fixture; its node is tainted, so the example's
	// pods stay off it).
	dra := filepath.Join(root, "cluster", "testdata", "dra-live.yaml")
	if _, err := seed.Files(ctx, cl.Config, dra); err != nil {
		fail(fmt.Errorf("loading %s: %w", dra, err))
	}
	// The probe's exec fixture: kwok runs exec'd commands of namespace
	// probe-exec on this machine (the lab is for this machine's user
	// only), and kata-runner's node reports its kernel.
	local, err := probe.Local(ctx)
	if err != nil {
		fail(err)
	}
	if err := seed.ProbeExec(ctx, cl.Config, local.Release); err != nil {
		fail(fmt.Errorf("loading the probe fixture: %w", err))
	}
	kubeconfig := filepath.Join(state, "kubeconfig")
	data, err := os.ReadFile(cl.Kubeconfig)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(kubeconfig, data, 0o600); err != nil {
		fail(err)
	}
	fmt.Printf("lab: loaded %d objects from %s\n", n, rel(root, example))
	// Say where the rollout settled, so that what does not run is never
	// a surprise in the view: the example's comments say why each is so.
	ro, err := seed.WaitRollout(ctx, cl.Config, 2*time.Minute)
	if err != nil {
		fail(err)
	}
	fmt.Printf("lab: %d pods Running, %d Completed\n", ro.Running, ro.Succeeded)
	if len(ro.NotRunning)+len(ro.NoPods) > 0 {
		fmt.Printf("lab: not running, on purpose (the example's comments say why):\n")
		for _, l := range append(ro.NotRunning, ro.NoPods...) {
			fmt.Println("  " + oneLine(l, 150))
		}
	}
	fmt.Println("lab: no live figures (RSS, tokens/s, GPU use): kwok plays kubelets without containers, so there is no\n" +
		"     Summary API, cAdvisor or model server to read; the view's cells say why (README: What the lab shows)")
	fmt.Printf("lab: kubeconfig %s\n\n  KUBECONFIG=%s go run ./cmd/tiergate audit -A\n  KUBECONFIG=%s go run ./cmd/tiergate probe kata-runner -n probe-exec\n\nlab: make lab-down stops it\n", rel(root, kubeconfig), rel(root, kubeconfig), rel(root, kubeconfig))
}

// oneLine cuts a line for the terminal.
func oneLine(s string, n int) string {
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "lab: "+err.Error())
	os.Exit(1)
}
