package cmd

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/tiergate/tiergate/internal/version"
)

// NewCmdVersion prints the build's version, commit and date.
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Example: `  # Print the version
  kubectl tiergate version

  # Print it as JSON for scripts
  kubectl tiergate version -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			v := version.Get()
			switch output {
			case "":
				_, err := fmt.Fprintf(streams.Out, "tiergate %s (commit %s, built %s)\n", v.Version, v.Commit, v.Date)
				return err
			case "json":
				enc := json.NewEncoder(streams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			return usageError(c, fmt.Errorf("--output must be json or empty, not %q", output))
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "Output format: json")
	return c
}
