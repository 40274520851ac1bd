package cmd

import (
	"strings"
	"testing"
)

// TestAuditProbeFlagErrors: --probe needs a live cluster and a known mode.
func TestAuditProbeFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"audit", "-f", example, "--probe"}, "--probe reads running pods' kernels: it needs a live cluster, not -f"},
		{[]string{"audit", "--probe=some"}, `--probe "some" is not one of claimed, all`},
		{[]string{"audit", "--probe-image", "x"}, "--probe-image needs --probe"},
		{[]string{"audit", "--probe", "--probe-concurrency", "0"}, "--probe-concurrency must be at least 1"},
	} {
		_, errOut, code := run(t, "", tt.args...)
		if code != ExitUsage || !strings.Contains(errOut, tt.says) {
			t.Errorf("%v: exit %d, %q; want exit %d saying %q", tt.args, code, errOut, ExitUsage, tt.says)
		}
	}
}
