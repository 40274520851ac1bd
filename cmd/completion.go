package cmd

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// NewCmdCompletion prints shell completion scripts (cobra writes them;
// this command only names the shells and documents the set-up).
func NewCmdCompletion(streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print the completion script of tiergate for a shell. Flags, commands,
namespaces and contexts complete as with kubectl.

As a kubectl plugin ('kubectl tiergate'), kubectl 1.26 or newer completes
the plugin through an executable named kubectl_complete-tiergate on the
PATH; the release archives ship one (it calls 'tiergate __complete').`,
		Example: `  # Load completion in the current bash session
  source <(tiergate completion bash)

  # Install it for every zsh session
  tiergate completion zsh > "${fpath[1]}/_tiergate"

  # fish
  tiergate completion fish > ~/.config/fish/completions/tiergate.fish

  # PowerShell
  tiergate completion powershell | Out-String | Invoke-Expression`,
		ValidArgs:             []string{"bash", "zsh", "fish", "powershell"},
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		DisableFlagsInUseLine: true,
		RunE: func(c *cobra.Command, args []string) error {
			root, out := c.Root(), streams.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return fmt.Errorf("unknown shell %q", args[0])
		},
	}
}

// completionTimeout bounds a completion's calls to the server: a shell
// waits for them.
const completionTimeout = 5 * time.Second

// registerCompletions completes -n with namespaces and --context with the
// kubeconfig's contexts, as kubectl does.
func registerCompletions(c *cobra.Command, kube *genericclioptions.ConfigFlags) {
	_ = c.RegisterFlagCompletionFunc("namespace", func(c *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
		return listNames(c, kube, func(ctx context.Context, cs kubernetes.Interface) ([]string, error) {
			list, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{Limit: 500})
			if err != nil {
				return nil, err
			}
			var names []string
			for _, n := range list.Items {
				names = append(names, n.Name)
			}
			return names, nil
		}, prefix)
	})
	_ = c.RegisterFlagCompletionFunc("context", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		raw, err := kube.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return slices.Sorted(maps.Keys(raw.Contexts)), cobra.ShellCompDirectiveNoFileComp
	})
	if c.Flags().Lookup("contexts") != nil {
		_ = c.RegisterFlagCompletionFunc("contexts", func(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
			raw, err := kube.ToRawKubeConfigLoader().RawConfig()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completeList(prefix, slices.Sorted(maps.Keys(raw.Contexts))), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
		})
	}
}

// completeList completes the last item of a comma-separated list with
// the names not in it yet, keeping the items before it.
func completeList(prefix string, names []string) []string {
	done, last := "", prefix
	if i := strings.LastIndex(prefix, ","); i >= 0 {
		done, last = prefix[:i+1], prefix[i+1:]
	}
	have := strings.Split(done, ",")
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, last) && !slices.Contains(have, n) {
			out = append(out, done+n)
		}
	}
	return out
}

// completePods completes a pod name in the command's namespace.
func completePods(kube *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return listNames(c, kube, func(ctx context.Context, cs kubernetes.Interface) ([]string, error) {
			ns, _, err := kube.ToRawKubeConfigLoader().Namespace()
			if err != nil {
				return nil, err
			}
			list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running", Limit: 500})
			if err != nil {
				return nil, err
			}
			var names []string
			for _, p := range list.Items {
				names = append(names, p.Name)
			}
			return names, nil
		}, prefix)
	}
}

// listNames runs list against the flags' cluster and keeps the names
// starting with prefix; any trouble completes nothing. A shell waits for
// it: it gives up after completionTimeout whatever blocks (a slow server,
// an exec credential plugin), and no credential plugin may ask the user
// anything (the shell hides its prompt).
func listNames(c *cobra.Command, kube *genericclioptions.ConfigFlags, list func(context.Context, kubernetes.Interface) ([]string, error), prefix string) ([]string, cobra.ShellCompDirective) {
	ctx, cancel := context.WithTimeout(c.Context(), completionTimeout)
	defer cancel()
	type answer struct {
		names []string
		err   error
	}
	done := make(chan answer, 1) // the goroutine never blocks on it
	go func() {
		cfg, err := kube.ToRESTConfig()
		if err != nil {
			done <- answer{err: err}
			return
		}
		cfg.Timeout = completionTimeout
		if cfg.ExecProvider != nil {
			cfg.ExecProvider.InteractiveMode = clientcmdapi.NeverExecInteractiveMode
			cfg.ExecProvider.StdinUnavailable = true
		}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			done <- answer{err: err}
			return
		}
		names, err := list(ctx, cs)
		done <- answer{names, err}
	}()
	var names []string
	select {
	case a := <-done:
		if a.err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names = a.names
	case <-ctx.Done():
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
