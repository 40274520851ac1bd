package cmd

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/bench"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/engines"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/metrics"
	"github.com/tiergate/tiergate/report"
	"github.com/tiergate/tiergate/ui"
)

// defaultBenchNamespace is where the bench works unless -n says otherwise
// (never the context's namespace: the bench creates and deletes its own).
const defaultBenchNamespace = "tiergate-bench"

// BenchOptions holds the bench command's flags.
type BenchOptions struct {
	ScopeOptions
	genericiooptions.IOStreams

	RuntimeClasses []string
	Image          string
	GPUs           int
	GPUResource    string
	Runs, Burst    int
	Timeout        time.Duration
	Output         string
	Yes            bool
	Cleanup        bool

	// An LLM server image: how it is started and driven.
	Engine      string
	Args        []string
	Port        int32
	Model       string
	Prompts     int
	Concurrency int
	MaxTokens   int
	Seed        uint64
	Memory      string

	benchNamespace string
	server         *bench.Server
	memory         *resource.Quantity
	serverFlags    []string
}

// NewCmdBench builds "tiergate bench".
func NewCmdBench(streams genericiooptions.IOStreams, kube *genericclioptions.ConfigFlags) *cobra.Command {
	o := &BenchOptions{ScopeOptions: ScopeOptions{kube: kube}, IOStreams: streams,
		Image: bench.DefaultImage, GPUResource: string(bench.DefaultGPUResource), Runs: 20, Timeout: 5 * time.Minute,
		Prompts: 100, Concurrency: 8, MaxTokens: 128, Seed: 1}
	c := &cobra.Command{
		Use:   "bench [--runtime-classes a,b] [--runs N] [--burst K] [--gpu N] [-n NAMESPACE]",
		Short: "Measure what each runtime's isolation costs on this cluster: cold start per RuntimeClass",
		Long: `Bench starts small pods under each RuntimeClass the nodes can run (and
under the node's default runtime, "runc") and times each start from the
pod's conditions as the watch delivers them: created → scheduled → sandbox
ready (PodReadyToStartContainers) → containers ready → first log line.
It prints p50, p95 and max per runtime, and counts failures by reason (the
sandbox died, image pull, Pending).

Every pod runs in its own namespace (default tiergate-bench, Pod Security
"restricted", labelled as the bench's), one after another, then --burst at
once; the namespace is deleted afterwards, also on ctrl+c. A killed run's
namespace is deleted by --cleanup. Nothing outside it is touched. The
bench asks before it creates anything (--yes skips the question).

A RuntimeClass no node can run, or (with --gpu) one whose GPUs would not
reach the sandbox, is skipped with the audit's reason.

After its cold starts, each runtime gets one more pod, kept once ready:
its whole pod's memory is read from the node's kubelet (Summary API, else
cAdvisor, through the API server's node proxy) and compared with runc's.
When --image is an LLM server (vLLM, SGLang, TGI, llama.cpp, Ollama; named
by the image, or by --engine), that pod runs the server (the image's own
entrypoint with --arg), is ready when the engine says its model is loaded,
and is driven through a port-forward with a fixed, seeded load of streamed
chat completions: generated tokens/s and time to first token, checked
against the engine's own token counter where it has one.`,
		Example: `  # Every class the nodes can run, 20 pods each, asked before starting
  kubectl tiergate bench

  # Three runtimes, 10 pods each then 5 at once, the field's table to paste
  kubectl tiergate bench --runtime-classes runc,gvisor,kata-qemu --runs 10 --burst 5 -o markdown

  # Tokens/s and memory of a small model under each runtime
  kubectl tiergate bench --image vllm/vllm-openai:v0.11.0 --arg --model --arg Qwen/Qwen2.5-0.5B-Instruct \
    --runs 3 --timeout 20m --prompts 100 --concurrency 8 --max-tokens 128 -o markdown

  # Remove what a killed run left behind
  kubectl tiergate bench --cleanup`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(c); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return usageError(c, err)
			}
			return o.Run(c.Context())
		},
	}
	f := c.Flags()
	addKubeFlags(f, kube, kubeFlagHelp{namespace: "Namespace the bench creates, works in and deletes (default " + defaultBenchNamespace + ")",
		requestDefault: shortDuration(cluster.DefaultConnectTimeout) + " for the first contact, no limit afterwards"})
	f.StringVar(&o.PolicyFile, "policy", "", "Policy file (YAML): how handlers map to isolation, as for audit")
	f.StringSliceVar(&o.RuntimeClasses, "runtime-classes", nil, "RuntimeClasses to measure, "+bench.DefaultTarget+" for the node's default runtime (default: "+bench.DefaultTarget+" and every RuntimeClass)")
	f.StringVar(&o.Image, "image", o.Image, "Image of the bench pods (prints a line, then sleeps)")
	f.IntVar(&o.GPUs, "gpu", 0, "GPUs each bench pod requests; classes whose GPUs would not reach the sandbox are skipped")
	f.StringVar(&o.GPUResource, "gpu-resource", o.GPUResource, "Extended resource --gpu requests")
	f.IntVar(&o.Runs, "runs", o.Runs, "Pods started one after another per runtime")
	f.IntVar(&o.Burst, "burst", 0, "Then this many pods at once per runtime (bursty agents); 0 for none")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "How long one pod may take to start before it counts as failed")
	f.StringVarP(&o.Output, "output", "o", "table", "Output format: "+strings.Join(report.BenchFormats(), ", "))
	f.BoolVarP(&o.Yes, "yes", "y", false, "Do not ask before creating the namespace and pods")
	f.BoolVar(&o.Cleanup, "cleanup", false, "Delete every namespace an earlier bench left behind, and nothing else")
	f.StringVar(&o.Engine, "engine", "", "The LLM server --image runs, when its name does not say: "+strings.ToLower(strings.Join(engines.Served(), ", ")))
	f.StringArrayVar(&o.Args, "arg", nil, "An argument to the server's entrypoint (repeat for each: --arg --model --arg NAME); never printed")
	f.Int32Var(&o.Port, "port", 0, "Port of the server's OpenAI-compatible API (default: the engine's)")
	f.StringVar(&o.Model, "model", "", "Model the load asks for (default: the server's first in /v1/models; Ollama pulls it first)")
	f.IntVar(&o.Prompts, "prompts", o.Prompts, "Chat completions in the load, per runtime")
	f.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "Completions in flight at once")
	f.IntVar(&o.MaxTokens, "max-tokens", o.MaxTokens, "Tokens asked of each completion")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "Seed the prompts are drawn from (the same seed, the same load)")
	f.StringVar(&o.Memory, "memory", "", "Memory each bench pod requests and is limited to (default: 16Mi requested, 64Mi limit; a server 4Gi requested, no limit)")
	return c
}

// Complete derives the namespace and the engine.
func (o *BenchOptions) Complete(c *cobra.Command) error {
	if err := o.ScopeOptions.Complete(c); err != nil {
		return err
	}
	o.benchNamespace = defaultBenchNamespace
	if c.Flags().Changed("namespace") {
		o.benchNamespace = o.namespace
	}
	o.RuntimeClasses = nonEmpty(o.RuntimeClasses)
	o.serverFlags = serverFlagsSet(c)
	return nil
}

// serverFlagsSet says a flag that only an LLM server uses was given.
func serverFlagsSet(c *cobra.Command) []string {
	var set []string
	for _, f := range []string{"model", "prompts", "concurrency", "max-tokens", "seed"} {
		if c.Flags().Changed(f) {
			set = append(set, "--"+f)
		}
	}
	return set
}

// Validate checks the flags.
func (o *BenchOptions) Validate() error {
	if err := o.ScopeOptions.Validate(); err != nil {
		return err
	}
	switch {
	case !slices.Contains(report.BenchFormats(), o.Output) && o.Output != "md":
		return fmt.Errorf("--output %q: want %s", o.Output, strings.Join(report.BenchFormats(), ", "))
	case o.Runs < 1:
		return fmt.Errorf("--runs must be at least 1, not %d", o.Runs)
	case o.Burst < 0:
		return fmt.Errorf("--burst must be 0 or more, not %d", o.Burst)
	case o.GPUs < 0:
		return fmt.Errorf("--gpu must be 0 or more, not %d", o.GPUs)
	case o.Timeout <= 0:
		return fmt.Errorf("--timeout must be positive, not %s", o.Timeout)
	case strings.TrimSpace(o.Image) == "":
		return errors.New("--image is empty")
	case o.Prompts < 1:
		return fmt.Errorf("--prompts must be at least 1, not %d", o.Prompts)
	case o.Concurrency < 1:
		return fmt.Errorf("--concurrency must be at least 1, not %d", o.Concurrency)
	case o.MaxTokens < 1:
		return fmt.Errorf("--max-tokens must be at least 1, not %d", o.MaxTokens)
	case o.Port < 0 || o.Port > 65535:
		return fmt.Errorf("--port %d: want 1-65535", o.Port)
	}
	server, err := bench.NewServer(o.Image, o.Engine, o.Args, o.Port)
	if err != nil {
		return err
	}
	if server == nil && len(o.serverFlags) > 0 {
		return fmt.Errorf("%s: only for an LLM server image; %s is none (name its engine with --engine)", strings.Join(o.serverFlags, ", "), o.Image)
	}
	if server != nil && server.Pull && o.Model == "" {
		return fmt.Errorf("%s starts with no model: name the one to pull and load with --model", server.Engine)
	}
	o.server = server
	if o.Memory != "" {
		q, err := resource.ParseQuantity(o.Memory)
		if err != nil || q.Sign() <= 0 {
			return fmt.Errorf("--memory %q: want a quantity such as 8Gi", o.Memory)
		}
		o.memory = &q
	}
	if errs := validation.IsDNS1123Label(o.benchNamespace); len(errs) > 0 {
		return fmt.Errorf("namespace %q: %s", o.benchNamespace, strings.Join(errs, "; "))
	}
	return nil
}

// Run plans, asks, measures, cleans up and prints.
func (o *BenchOptions) Run(ctx context.Context) error {
	if err := o.missingKubeconfig(); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	clients, _, err := o.connect(ctx)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if o.Cleanup {
		return o.cleanup(ctx, clients)
	}
	rcs, err := clients.Kube.NodeV1().RuntimeClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("bench needs to list RuntimeClasses (deploy/rbac/tiergate-bench.yaml): %v", textutil.OneLine(err.Error()))}
	}
	nodes, err := clients.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("bench needs to list nodes (deploy/rbac/tiergate-bench.yaml): %v", textutil.OneLine(err.Error()))}
	}
	runID := newRunID()
	podOpts := bench.PodOptions{Image: o.Image, RunID: runID, GPUs: o.GPUs, GPUResource: corev1.ResourceName(o.GPUResource), Server: o.server, Memory: o.memory}
	targets, err := bench.Plan(o.policy, bench.Inputs{RuntimeClasses: rcs.Items, Nodes: nodes.Items}, bench.Request{Classes: o.RuntimeClasses, Pod: podOpts})
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	measured := 0
	for _, t := range targets {
		if t.Skip == "" {
			measured++
		}
	}
	o.describePlan(targets, measured)
	if measured == 0 {
		return &ExitError{Code: ExitUsage, Err: errors.New("no runtime to measure: every one asked for was skipped (reasons above)")}
	}
	if !o.Yes {
		ok, err := o.ask(ctx)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if !ok && ctx.Err() != nil {
			return &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted: nothing created")}
		}
		if !ok {
			fmt.Fprintln(o.ErrOut, "Nothing created.")
			return nil
		}
	}
	kubelets, err := metrics.NewKube(clients.Config)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	r := &bench.Runner{Client: clients.Kube, Namespace: o.benchNamespace, Pod: podOpts, Runs: o.Runs, Burst: o.Burst, Timeout: o.Timeout,
		Load: bench.LoadOptions{Model: o.Model, Prompts: o.Prompts, Concurrency: o.Concurrency, MaxTokens: o.MaxTokens, Seed: o.Seed, Client: bench.LoadClient(o.Timeout, o.Concurrency)},
		Forward: func(ctx context.Context, ns, pod string, port int32) (string, func(), error) {
			return cluster.Forward(ctx, clients.Config, ns, pod, port)
		},
		Memory: kubeletMemory(kubelets)}
	if err := r.EnsureNamespace(ctx); err != nil {
		if apierrors.IsForbidden(errors.Unwrap(err)) {
			err = fmt.Errorf("%v (the bench's role: deploy/rbac/tiergate-bench.yaml)", err)
		}
		return &ExitError{Code: ExitUsage, Err: err}
	}
	var res *bench.Result
	var runErr, cleanErr error
	measure := func(ctx context.Context) { res, runErr = r.Run(ctx, targets) }
	clean := func() { cleanErr = o.deleteNamespace(clients) }
	if isTerminal(o.ErrOut) && isTerminal(o.In) {
		o.measureInView(ctx, r, targets, measure, clean)
	} else {
		r.Progress = o.progress
		measure(ctx)
		clean()
	}
	ctxName, server := o.shownContextAndServer()
	res.Environment = &bench.Environment{Context: ctxName, Server: server, Image: o.Image, GPUs: o.GPUs, Nodes: bench.NodesUsed(res, nodes.Items)}
	if o.server != nil {
		res.Environment.Load = &bench.LoadSetup{Engine: o.server.Engine, Model: o.Model, Prompts: o.Prompts, Concurrency: o.Concurrency, MaxTokens: o.MaxTokens, Seed: o.Seed}
	}
	if err := report.RenderBench(o.Out, res, o.Output); err != nil {
		return err
	}
	switch {
	case runErr != nil && (ctx.Err() != nil || errors.Is(runErr, context.Canceled)):
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("interrupted: the figures above are what was measured before; %s", cleanedUp(o.benchNamespace, cleanErr))}
	case runErr != nil:
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%v; %s", runErr, cleanedUp(o.benchNamespace, cleanErr))}
	case cleanErr != nil:
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("measured, but %s", cleanedUp(o.benchNamespace, cleanErr))}
	}
	return nil
}

// shownContextAndServer are the context and server for the screen and
// the report: a password in the server URL's user part is redacted.
func (o *BenchOptions) shownContextAndServer() (string, string) {
	ctxName, server := o.contextAndServer()
	return textutil.Printable(ctxName), textutil.Printable(cluster.RedactServer(server))
}

func (o *BenchOptions) describePlan(targets []bench.Target, measured int) {
	ctxName, server := o.shownContextAndServer()
	fmt.Fprintf(o.ErrOut, "tiergate bench on context %s (%s):\n", ctxName, server)
	for _, t := range targets {
		what := "measured"
		if t.Skip != "" {
			what = "skipped: " + t.Skip
		}
		class := "no RuntimeClass (the node's default runtime)"
		if t.Class != "" {
			class = "RuntimeClass " + t.Class + ", handler " + t.Handler
		}
		fmt.Fprintf(o.ErrOut, "  %-20s %s; %s\n", t.Name, class, what)
	}
	if measured == 0 {
		return
	}
	per := fmt.Sprintf("%d pod%s one after another", o.Runs, textutil.S(o.Runs))
	if o.Burst > 0 {
		per += fmt.Sprintf(", then %d at once", o.Burst)
	}
	if s := o.server; s != nil {
		per += fmt.Sprintf(", then one serving %s driven with %d prompts (%d at a time) through a port-forward, its memory read", s.Engine, o.Prompts, o.Concurrency)
	} else {
		per += ", then one kept while its memory is read"
	}
	fmt.Fprintf(o.ErrOut, "It creates namespace %s (Pod Security restricted) and, per runtime, %s (image %s), each given %s to start; all deleted afterwards.\n",
		o.benchNamespace, per, o.Image, shortDuration(o.Timeout))
	if o.GPUs > 0 {
		fmt.Fprintln(o.ErrOut, gpuHours(measured, o.Runs, o.Burst, o.GPUs, o.GPUResource, o.Timeout, o.server != nil))
	}
}

// gpuHours says what GPUs the bench may hold: each pod holds its GPUs
// from its start until it is deleted, at most twice the timeout (the
// start, then the wait for its first log line); the pods of a runtime
// run one at a time, then a burst at once.
func gpuHours(measured, runs, burst, gpus int, resource string, timeout time.Duration, serving bool) string {
	pods := measured * (runs + burst + 1)
	held := float64(pods*gpus) * 2 * timeout.Hours()
	s := fmt.Sprintf("Each pod requests %d %s, held until the pod is deleted, at most %s (its start, then its first log line): %d pods, at most %s GPU-hours in all",
		gpus, resource, shortDuration(2*timeout), pods, trimFloat(held))
	if burst > 1 {
		s += fmt.Sprintf("; a burst holds %d at once", burst*gpus)
	}
	if serving {
		s += "; the server pods hold theirs through the load too"
	}
	return s + ". A normal run holds far less."
}

func trimFloat(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

// ask reads y/N on stdin (a terminal, or a test's reader).
func (o *BenchOptions) ask(ctx context.Context) (bool, error) {
	if !canAsk(o.In) {
		return false, errors.New("bench creates pods: it needs a terminal to confirm, or --yes")
	}
	fmt.Fprint(o.ErrOut, "Proceed? [y/N] ")
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(o.In).ReadString('\n')
		got <- strings.ToLower(strings.TrimSpace(line))
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(o.ErrOut)
		return false, nil
	case a := <-got:
		return a == "y" || a == "yes", nil
	}
}

// measureInView runs measure under the live progress view (stderr is a
// terminal): a bar per runtime, elapsed and left; ctrl+c in it stops the
// bench, which still cleans up before the view ends.
func (o *BenchOptions) measureInView(ctx context.Context, r *bench.Runner, targets []bench.Target, measure func(context.Context), clean func()) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := tea.NewProgram(ui.NewBenchProgress(targets, o.Runs+o.Burst+1, time.Now(), cancel), tea.WithInput(o.In), tea.WithOutput(o.ErrOut))
	r.Progress = func(pr bench.Progress) { p.Send(ui.BenchPodMsg(pr)) }
	done := make(chan struct{})
	go func() {
		defer close(done)
		measure(runCtx)
		p.Send(ui.BenchCleaningMsg{Namespace: o.benchNamespace})
		clean()
		p.Send(ui.BenchDoneMsg{})
	}()
	if _, err := p.Run(); err != nil {
		// The terminal failed: the bench goes on without its view.
		fmt.Fprintf(o.ErrOut, "progress view: %v\n", err)
	}
	<-done
}

// progress prints one line per finished pod on stderr.
func (o *BenchOptions) progress(p bench.Progress) {
	switch {
	case p.Skipped:
		return
	case p.Stage != "":
		fmt.Fprintf(o.ErrOut, "%s: %s\n", p.Target, p.Stage)
		return
	}
	tl := p.Timeline
	state := "ready in " + tl.Phases().Ready.Round(time.Millisecond).String()
	if tl.Failure != "" {
		state = "failed: " + tl.Failure
	}
	fmt.Fprintf(o.ErrOut, "%s %s %d/%d: %s\n", p.Target, p.Mode, p.Done, p.Total, state)
}

func (o *BenchOptions) deleteNamespace(clients *cluster.Clients) error {
	// A fresh context: ctrl+c must still clean up.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return bench.DeleteNamespace(ctx, clients.Kube, o.benchNamespace)
}

func (o *BenchOptions) cleanup(ctx context.Context, clients *cluster.Clients) error {
	names, err := bench.Cleanup(ctx, clients.Kube)
	for _, n := range names {
		fmt.Fprintf(o.Out, "namespace/%s deleted\n", n)
	}
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if len(names) == 0 {
		fmt.Fprintln(o.Out, "Nothing to clean up: no namespace labelled "+bench.Selector()+".")
	}
	return nil
}

func cleanedUp(ns string, err error) string {
	if err != nil {
		return fmt.Sprintf("namespace %s may be left behind (%v): run tiergate bench --cleanup", ns, textutil.OneLine(err.Error()))
	}
	return "namespace " + ns + " deleted"
}

func newRunID() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
