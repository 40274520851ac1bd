package cmd

import (
	"cmp"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// loadPolicy returns the default policy, with the user's file laid over
// it when one is named, and the engine built from it. A bad file's
// errors name the file, each field's path and its line.
func loadPolicy(file string) (*policy.Policy, *audit.Engine, error) {
	pol := policy.Default()
	var data []byte
	if file != "" {
		var err error
		if data, err = os.ReadFile(file); err != nil {
			return nil, nil, fmt.Errorf("--policy: %w", unwrapPath(err))
		}
		user, err := policy.Parse(data)
		if err != nil {
			return nil, nil, policy.Locate(file, data, err)
		}
		pol = policy.Merge(pol, user)
	}
	engine, err := audit.NewEngine(pol)
	if err != nil {
		return nil, nil, policy.Locate(cmp.Or(file, "the default policy"), data, err)
	}
	return pol, engine, nil
}

// NewCmdPolicy builds "tiergate policy print|validate".
func NewCmdPolicy(streams genericiooptions.IOStreams) *cobra.Command {
	c := &cobra.Command{
		Use:   "policy",
		Short: "Print the default policy or validate a policy file",
		Example: `  # Start a policy file from the defaults, then check it
  kubectl tiergate policy print > tiergate-policy.yaml
  kubectl tiergate policy validate tiergate-policy.yaml

  # Audit with it
  kubectl tiergate audit -A --policy tiergate-policy.yaml`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError(c, fmt.Errorf("unknown command %q for %q", args[0], c.CommandPath()))
			}
			return c.Help()
		},
	}
	c.AddCommand(&cobra.Command{
		Use:   "print",
		Short: "Print the default policy (the tier table and handler mappings) as YAML",
		Example: `  # Start a policy file from the defaults
  kubectl tiergate policy print > tiergate-policy.yaml`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b, err := policy.Marshal(policy.Default())
			if err != nil {
				return err
			}
			_, err = streams.Out.Write(b)
			return err
		},
	})
	c.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check a policy file: schema, patterns, rule IDs, exemption reasons and dates",
		Example: `  # Validate a policy before using it in CI
  kubectl tiergate policy validate tiergate-policy.yaml`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError(c, fmt.Errorf("want exactly one policy file, got %d arguments", len(args)))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			pol, _, err := loadPolicy(args[0])
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			user := len(pol.Handlers) - len(policy.Default().Handlers)
			_, err = fmt.Fprintf(streams.Out, "%s: valid (%s, %s, %s, %s over the defaults)\n", args[0],
				count(len(pol.Classification), "classification rule"), count(user, "handler mapping"),
				count(len(pol.Rules), "rule override"), count(len(pol.Exemptions), "exemption"))
			return err
		},
	})
	return c
}

// count says "1 exemption" or "3 exemptions".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
