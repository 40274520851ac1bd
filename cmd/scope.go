package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

// ScopeOptions say what to audit: files (-f) or the live cluster of a
// kubeconfig context, in a namespace or all (-A), with a label selector
// and a policy. The audit command and the interactive view share them.
type ScopeOptions struct {
	kube *genericclioptions.ConfigFlags

	Filenames     []string
	AllNamespaces bool
	Selector      string
	PolicyFile    string

	// Derived by Complete.
	filenameSet bool
	namespace   string
	selector    labels.Selector
	engine      *audit.Engine
	policy      *policy.Policy // what the engine was built from
	// restConfig, when set, is the cluster to read instead of the
	// kubeconfig flags' own (one context of a fleet audit).
	restConfig *rest.Config
}

// AddFlags registers the kubeconfig flags (cli-runtime) and tiergate's.
func (o *ScopeOptions) AddFlags(f *pflag.FlagSet) {
	addKubeFlags(f, o.kube, liveScopeHelp)
	f.StringSliceVarP(&o.Filenames, "filename", "f", nil, "Manifest file, directory (recursive) or - for stdin; repeatable")
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Audit workloads in every namespace")
	f.StringVarP(&o.Selector, "selector", "l", "", "Label selector (e.g. app=vllm,tier!=dev); matches object or pod template labels")
	f.StringVar(&o.PolicyFile, "policy", "", "Policy file (YAML) layered over the default tier table; see 'tiergate policy print'")
}

// Complete derives the namespace scope given by flags, the selector and
// the engine. It reads no kubeconfig: flag errors come first, whatever
// state the kubeconfig is in (Resolve reads it).
func (o *ScopeOptions) Complete(c *cobra.Command) error {
	o.filenameSet = c.Flags().Changed("filename")
	o.Filenames = nonEmpty(o.Filenames)
	if o.kube.Namespace != nil && !o.AllNamespaces {
		o.namespace = *o.kube.Namespace
	}
	var err error
	if o.selector, err = labels.Parse(o.Selector); err != nil {
		return usageError(c, fmt.Errorf("-l %q: %v", o.Selector, err))
	}
	if o.policy, o.engine, err = loadPolicy(o.PolicyFile); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return nil
}

// Validate checks the scope flags, the client flags among them.
func (o *ScopeOptions) Validate() error {
	// -f "" (an unset variable in a script) must not fall back to the
	// live cluster of the current context.
	if o.filenameSet && len(o.Filenames) == 0 {
		return fmt.Errorf("-f needs a file, directory or - (got an empty value)")
	}
	if t := o.kube.Timeout; t != nil && *t != "" && *t != "0" {
		if _, err := clientcmd.ParseTimeout(*t); err != nil {
			return fmt.Errorf("--request-timeout %q: want seconds or a duration (10s, 2m)", *t)
		}
	}
	return nil
}

// Resolve reads what the scope needs from the kubeconfig, after the flags
// are known good: live, without -n or -A, the scope is the context's
// namespace, as kubectl's (files carry their own namespaces). A
// kubeconfig file named but missing is said by name.
func (o *ScopeOptions) Resolve() error {
	if o.offline() {
		return nil
	}
	if err := o.missingKubeconfig(); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if o.namespace != "" || o.AllNamespaces {
		return nil
	}
	ns, _, err := o.kube.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("kubeconfig: %v", textutil.OneLine(err.Error()))}
	}
	o.namespace = ns
	return nil
}

// missingKubeconfig names the kubeconfig files that were asked for and do
// not exist: --kubeconfig FILE, or every file of KUBECONFIG (kubectl skips
// the missing entries of a list that has others).
func (o *ScopeOptions) missingKubeconfig() error {
	if p := o.kube.KubeConfig; p != nil && *p != "" {
		if _, err := os.Stat(*p); err != nil {
			return fmt.Errorf("kubeconfig %s: %s", *p, statReason(err))
		}
		return nil
	}
	env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar)
	if env == "" {
		return nil
	}
	var missing []string
	var reason string
	for _, p := range filepath.SplitList(env) {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			missing, reason = append(missing, p), statReason(err)
		} else {
			return nil // one is there: kubectl reads it and skips the others
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("kubeconfig %s (from KUBECONFIG): %s", strings.Join(missing, ", "), reason)
	}
	return nil
}

func statReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return textutil.OneLine(err.Error())
}

// offline reports whether the scope is files.
func (o *ScopeOptions) offline() bool { return len(o.Filenames) > 0 }

// describe says the scope in the flags' words: "-n rag -l app=x".
func (o *ScopeOptions) describe() string {
	var parts []string
	if o.namespace != "" {
		parts = append(parts, "-n "+o.namespace)
	}
	if o.Selector != "" {
		parts = append(parts, "-l "+o.Selector)
	}
	return strings.Join(parts, " ")
}

// title says the scope for the interactive view's header.
func (o *ScopeOptions) title() string {
	switch {
	case o.offline():
		return "files " + strings.Join(o.Filenames, ",")
	case o.namespace == "":
		return "all namespaces"
	}
	return "namespace " + o.namespace
}

// loadFiles reads -f inputs; nothing contacts a cluster.
func (o *ScopeOptions) loadFiles(stdin io.Reader, errOut io.Writer, positions bool) (*audit.Inventory, int, error) {
	inv, n, _, err := o.loadFileSet(stdin, errOut, positions)
	return inv, n, err
}

// loadFileSet is loadFiles that also returns the files as read, for
// fix -o manifests to rewrite.
func (o *ScopeOptions) loadFileSet(stdin io.Reader, errOut io.Writer, positions bool) (*audit.Inventory, int, []manifest.File, error) {
	files, skipped, err := manifest.ReadFiles(o.Filenames, stdin)
	for _, n := range skipped {
		fmt.Fprintln(errOut, "tiergate: "+n)
	}
	if err != nil {
		return nil, 0, nil, err
	}
	objs, err := manifest.ParseFiles(files, o.Filenames, manifest.ParseOptions{Positions: positions})
	if err != nil {
		return nil, 0, nil, err
	}
	inv, stats, err := manifest.Build(objs, manifest.BuildOptions{DefaultNamespace: o.namespace, Namespace: o.namespace, Selector: o.selector})
	return inv, stats.Objects, files, err
}

// connect builds clients for the live cluster and checks that it answers,
// within the request timeout (or DefaultConnectTimeout). It returns the
// request timeout the user set (0 for none).
func (o *ScopeOptions) connect(ctx context.Context) (*cluster.Clients, time.Duration, error) {
	cfg := o.restConfig
	if cfg == nil {
		if err := o.haveCluster(); err != nil {
			return nil, 0, err
		}
		var err error
		if cfg, err = o.kube.ToRESTConfig(); err != nil {
			return nil, 0, fmt.Errorf("kubeconfig: %v", textutil.OneLine(err.Error()))
		}
	}
	clients, err := cluster.NewClients(cfg)
	if err != nil {
		return nil, 0, err
	}
	timeout := cluster.DefaultConnectTimeout
	if cfg.Timeout > 0 {
		timeout = cfg.Timeout
	}
	if err := clients.Ping(ctx, timeout); err != nil {
		return nil, 0, err
	}
	return clients, cfg.Timeout, nil
}

// source prepares a live source: access checks and discovery are bounded
// like the first contact, so that a server that answers /version but
// stalls later still fails in time.
func (o *ScopeOptions) source(ctx context.Context) (*cluster.Source, time.Duration, error) {
	src, _, request, err := o.sourceAndClients(ctx)
	return src, request, err
}

func (o *ScopeOptions) sourceAndClients(ctx context.Context) (*cluster.Source, *cluster.Clients, time.Duration, error) {
	clients, request, err := o.connect(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	setup := cluster.DefaultConnectTimeout
	if request > 0 {
		setup = request
	}
	setupCtx, stop := context.WithTimeout(ctx, setup)
	defer stop()
	if err := o.checkNamespace(setupCtx, clients); err != nil {
		return nil, nil, 0, err
	}
	src, err := cluster.NewSource(setupCtx, clients, cluster.Options{Namespace: o.namespace, Selector: o.selector})
	if err != nil {
		return nil, nil, 0, cluster.Explain(clients.Server, err)
	}
	return src, clients, request, nil
}

// loadLive lists the cluster once (every resource at once, whole or in
// pages; cluster.Lister) and builds one inventory, as the first snapshot of
// a live source would; the clients stay usable for writes (fix --apply).
// A one-shot command needs no watches: the view and serve keep theirs.
func (o *ScopeOptions) loadLive(ctx context.Context) (*audit.Inventory, *cluster.Clients, error) {
	lister, clients, request, err := o.lister(ctx)
	if err != nil {
		return nil, nil, err
	}
	listCtx, stop := context.WithTimeout(ctx, syncTimeout(request))
	defer stop()
	inv, err := lister.Inventory(listCtx)
	if err != nil {
		return nil, nil, err
	}
	return inv, clients, nil
}

// lister connects, checks the namespace and what the user may read, and
// returns the lister of the scope with the request timeout (0: none set).
func (o *ScopeOptions) lister(ctx context.Context) (*cluster.Lister, *cluster.Clients, time.Duration, error) {
	clients, request, err := o.connect(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	setup := cluster.DefaultConnectTimeout
	if request > 0 {
		setup = request
	}
	setupCtx, stopSetup := context.WithTimeout(ctx, setup)
	defer stopSetup()
	if err := o.checkNamespace(setupCtx, clients); err != nil {
		return nil, nil, 0, err
	}
	lister, err := cluster.NewLister(setupCtx, clients, cluster.Options{Namespace: o.namespace, Selector: o.selector})
	if err != nil {
		return nil, nil, 0, cluster.Explain(clients.Server, err)
	}
	return lister, clients, request, nil
}

// contextAndServer names the kubeconfig context and server for headers.
func (o *ScopeOptions) contextAndServer() (string, string) {
	raw, err := o.kube.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return "", ""
	}
	ctxName := raw.CurrentContext
	if o.kube.Context != nil && *o.kube.Context != "" {
		ctxName = *o.kube.Context
	}
	server := ""
	if c, ok := raw.Contexts[ctxName]; ok {
		if cl, ok := raw.Clusters[c.Cluster]; ok {
			server = cl.Server
		}
	}
	if o.kube.APIServer != nil && *o.kube.APIServer != "" {
		server = *o.kube.APIServer
	}
	return ctxName, server
}

// haveCluster fails early, and clearly, when there is no kubeconfig
// context, no --server and no in-cluster service account: client-go
// would otherwise try localhost:8080.
func (o *ScopeOptions) haveCluster() error {
	if o.kube.APIServer != nil && *o.kube.APIServer != "" {
		return nil
	}
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return nil
	}
	raw, err := o.kube.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return fmt.Errorf("kubeconfig: %v", textutil.OneLine(err.Error()))
	}
	if len(raw.Contexts) == 0 {
		return fmt.Errorf("no cluster to audit: no kubeconfig context (set KUBECONFIG or --kubeconfig), or audit files with -f FILE|DIR|-")
	}
	return nil
}

// syncTimeout bounds the first list of every resource: the request
// timeout when the user set one, else defaultSyncTimeout.
func syncTimeout(request time.Duration) time.Duration {
	if request > 0 {
		return request
	}
	return defaultSyncTimeout
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
