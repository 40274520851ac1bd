// Command tiergate (also installed as kubectl-tiergate) audits the
// isolation of LLM workloads on Kubernetes.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/cmd"
)

func main() {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	root := cmd.NewCmdRoot(streams, os.Args[0])
	os.Exit(cmd.Report(streams.ErrOut, root.Execute()))
}
