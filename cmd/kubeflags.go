package cmd

import (
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/tiergate/tiergate/cluster"
)

// defaultSyncTimeout bounds each resource's first list when the user set
// no --request-timeout.
const defaultSyncTimeout = time.Minute

// kubeFlagHelp is a command's help for the kubeconfig flags whose
// default depends on the command: -n, and what bounds the server
// requests when --request-timeout is not given.
type kubeFlagHelp struct {
	namespace      string
	requestDefault string
}

// liveScopeHelp is audit's, fix's and the view's.
var liveScopeHelp = kubeFlagHelp{
	namespace:      "Namespace (default: live, the kubeconfig context's namespace; with -f, every namespace in the files)",
	requestDefault: shortDuration(cluster.DefaultConnectTimeout) + " for the first contact and the access checks, " + shortDuration(defaultSyncTimeout) + " for each resource's first list, no limit afterwards",
}

// addKubeFlags registers cli-runtime's kubeconfig flags with help that
// says what tiergate does when they are not given: cli-runtime's own
// help shows --request-timeout's default as "0" (no limit), where
// tiergate bounds the first contact and the first lists.
func addKubeFlags(f *pflag.FlagSet, kube *genericclioptions.ConfigFlags, help kubeFlagHelp) {
	kube.AddFlags(f)
	if fl := f.Lookup("request-timeout"); fl != nil {
		fl.Usage = "Give up on a server request after this long (5s, 2m, or seconds). Unset or 0: " + help.requestDefault
		fl.DefValue = "" // the sentence says it; cli-runtime's "0" would read as no limit
	}
	if fl := f.Lookup("namespace"); fl != nil {
		fl.Usage = help.namespace
	}
	if fl := f.Lookup("kubeconfig"); fl != nil {
		fl.Usage = "Path to the kubeconfig file (default: the KUBECONFIG list, else ~/.kube/config)"
	}
	if f.Lookup("cache-dir") != nil {
		// Discovery is read live, never cached: the flag is accepted (it is
		// kubectl's) but does nothing, and its default path would mislead.
		_ = f.MarkDeprecated("cache-dir", "tiergate keeps no discovery cache; the flag has no effect")
	}
}

// shortDuration writes 1m for a minute where Duration.String writes 1m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
