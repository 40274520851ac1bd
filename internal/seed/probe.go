package seed

import (
	"bytes"
	"context"
	_ "embed"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
)

//go:embed probe-exec.yaml
var probeExec []byte

// ProbeExec seeds the probe's exec fixture, its first node reporting the
// kernel release given (this machine's, where kwok runs the exec).
func ProbeExec(ctx context.Context, cfg *rest.Config, release string) error {
	dir, err := os.MkdirTemp("", "tiergate-probe-exec-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "probe-exec.yaml")
	if err := os.WriteFile(path, bytes.ReplaceAll(probeExec, []byte("KERNEL_RELEASE"), []byte(release)), 0o600); err != nil {
		return err
	}
	_, err = Files(ctx, cfg, path)
	return err
}
