package cmd

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/probe"
)

// Which pods audit --probe probes.
const (
	// probeClaimed: every pod whose RuntimeClass claims more than the
	// node's kernel (gVisor, a VM, a microVM): the claims a silent
	// fallback to runc would make false.
	probeClaimed = "claimed"
	// probeAll: those, and every other LLM pod.
	probeAll = "all"
)

// ProbeSweepOptions are audit's --probe flags: the kernel probe of many
// pods at once, so that the report says for each "declared X, verified Y".
type ProbeSweepOptions struct {
	Mode        string
	Image       string
	Concurrency int
	Timeout     time.Duration
	// newExecutor is the exec stream; tests give a fake.
	newExecutor probe.ExecutorFactory
}

// AddFlags registers the flags.
func (p *ProbeSweepOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&p.Mode, "probe", "", "Probe the kernel of running pods before reporting: "+probeClaimed+" (the default when given alone: pods whose RuntimeClass claims gVisor, a VM or a microVM, or cannot be resolved) or "+probeAll+" (those and every other LLM pod); through exec (cat), or --probe-image")
	f.Lookup("probe").NoOptDefVal = probeClaimed
	f.StringVar(&p.Image, "probe-image", "", "With --probe, run tiergate from this image in an ephemeral container of each pod instead of cat over exec (each run adds one to every pod it probes: ephemeral containers stay in the pod's spec)")
	f.IntVar(&p.Concurrency, "probe-concurrency", 8, "With --probe, how many pods are probed at once")
	f.DurationVar(&p.Timeout, "probe-timeout", 20*time.Second, "With --probe, how long one pod's probe may take")
}

// Validate checks the flags; probes need a live cluster.
func (p *ProbeSweepOptions) Validate(offline bool) error {
	switch {
	case p.Mode == "":
		if p.Image != "" {
			return fmt.Errorf("--probe-image needs --probe")
		}
		return nil
	case p.Mode != probeClaimed && p.Mode != probeAll:
		return fmt.Errorf("--probe %q is not one of %s, %s", p.Mode, probeClaimed, probeAll)
	case offline:
		return fmt.Errorf("--probe reads running pods' kernels: it needs a live cluster, not -f")
	case p.Concurrency < 1:
		return fmt.Errorf("--probe-concurrency must be at least 1")
	case p.Timeout <= 0:
		return fmt.Errorf("--probe-timeout must be positive")
	}
	return nil
}

// chosen says whether --probe probes the audited pod.
func (p *ProbeSweepOptions) chosen(r *audit.Result) bool {
	if r.Kind != "Pod" || r.UID == "" {
		return false
	}
	return audit.ClaimsMoreThanNode(r) || p.Mode == probeAll && r.Type.IsLLM()
}

// sweep probes the pods rep chooses, at most Concurrency at a time, each
// within Timeout, and returns the verdicts by pod UID: a pod that could
// not be probed has the reason instead.
func (p *ProbeSweepOptions) sweep(ctx context.Context, clients *cluster.Clients, inv *audit.Inventory, rep *audit.Report) map[string]audit.Probed {
	phase := make(map[string]string, len(inv.Workloads))
	for i := range inv.Workloads {
		phase[inv.Workloads[i].UID] = inv.Workloads[i].Phase
	}
	prober := &probe.Prober{Client: clients.Kube, Config: clients.Config, Image: p.Image, NewExecutor: p.newExecutor}
	out := map[string]audit.Probed{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.Concurrency)
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		if !p.chosen(r) {
			continue
		}
		if ph := phase[r.UID]; ph != string(corev1.PodRunning) {
			why := "not running"
			if ph != "" {
				why += " (" + ph + ")"
			}
			mu.Lock() // the probes started before write out too
			out[r.UID] = audit.Probed{Error: why}
			mu.Unlock()
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			pctx, cancel := context.WithTimeout(ctx, p.Timeout)
			defer cancel()
			got, err := prober.Probe(pctx, r.Namespace, r.Name, "")
			res := audit.Probed{}
			switch {
			case err != nil && ctx.Err() != nil:
				res.Error = "cancelled"
			case err != nil && pctx.Err() != nil:
				res.Error = "timed out after " + p.Timeout.String() + " (--probe-timeout)"
			case err != nil:
				res.Error = textutil.OneLine(err.Error())
			default:
				res = audit.Probed{Verdict: got.Verdict, Via: got.Via, Container: got.Container}
			}
			mu.Lock()
			out[r.UID] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// probeAndAudit probes the pods --probe chooses and audits again with
// their verdicts (a kernel weaker than declared is a critical finding);
// stderr says how many were probed and why the others were not.
func (o *AuditOptions) probeAndAudit(ctx context.Context, clients *cluster.Clients, inv *audit.Inventory, rep *audit.Report) *audit.Report {
	probed := o.Probe.sweep(ctx, clients, inv, rep)
	if inv.Probes == nil {
		inv.Probes = map[string]audit.Probed{}
	}
	failed := map[string]int{}
	for uid, p := range probed {
		inv.Probes[uid] = p
		if p.Error != "" {
			failed[p.Error]++
		}
	}
	line := fmt.Sprintf("tiergate: probed %d of the %d pod%s --probe=%s chose", len(probed)-sum(failed), len(probed), textutil.S(len(probed)), o.Probe.Mode)
	for _, why := range slices.Sorted(maps.Keys(failed)) {
		line += fmt.Sprintf("; %d not: %s", failed[why], why)
	}
	fmt.Fprintln(o.ErrOut, textutil.Printable(line))
	return o.engine.Audit(inv, audit.Options{Now: o.now()})
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
