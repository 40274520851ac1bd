package testcluster

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// RequireEnv, when set to 1 (as .ci/run does), makes missing control
// plane binaries a failure instead of a skip: integration tests may not
// silently skip in CI.
const RequireEnv = "TIERGATE_INTEGRATION"

// Main runs a test package against one cluster: it starts the cluster,
// sets *cl, runs the tests and deletes the cluster. Without the binaries
// it skips the package with a printed reason, unless RequireEnv is set.
func Main(m *testing.M, cl **Cluster, opts Options) int {
	if _, err := BinDir(); err != nil {
		if os.Getenv(RequireEnv) == "1" {
			fmt.Fprintf(os.Stderr, "integration: %v (%s=1 requires them)\n", err, RequireEnv)
			return 1
		}
		fmt.Fprintf(os.Stderr, "integration tests skipped: %v\n", err)
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	c, err := Start(ctx, opts)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: %v\n", err)
		return 1
	}
	*cl = c
	defer c.Stop()
	return m.Run()
}
