// Command tiergate (also installed as kubectl-tiergate) audits the
// isolation of LLM workloads on Kubernetes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"
	// exec, OIDC and the other kubeconfig auth providers, as kubectl has.
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	"github.com/tiergate/tiergate/cmd"
)

func main() {
	// client-go logs watch retries through klog; tiergate reports errors
	// itself, in one line each.
	klog.SetLogger(logr.Discard())
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := cmd.NewCmdRoot(streams, os.Args[0])
	code := cmd.Report(streams.ErrOut, root.ExecuteContext(ctx))
	stop()
	os.Exit(code)
}
