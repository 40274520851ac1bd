// Package probetest plays a container for the exec probe: a remote
// executor that answers "cat FILE" from a map, as the kubelet's stream
// would, for unit tests of the probe and the probe command.
package probetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/tiergate/tiergate/fingerprint"
)

// Executor answers cat from Files; Denied files give "Permission denied"
// and NoCat makes every exec fail as a container without cat does.
type Executor struct {
	Files  map[string]string
	Denied map[string]bool
	NoCat  bool

	mu    sync.Mutex
	urls  []*url.URL
	calls int
}

// Factory is a probe.ExecutorFactory.
func (e *Executor) Factory(_ *rest.Config, method string, u *url.URL) (remotecommand.Executor, error) {
	if method != "POST" {
		return nil, fmt.Errorf("method %s", method)
	}
	e.mu.Lock()
	e.urls = append(e.urls, u)
	e.mu.Unlock()
	return &stream{e: e, u: u}, nil
}

// URLs are the exec URLs opened, in order.
func (e *Executor) URLs() []*url.URL {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*url.URL(nil), e.urls...)
}

// Calls counts the streams run.
func (e *Executor) Calls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls
}

type stream struct {
	e *Executor
	u *url.URL
}

func (s *stream) Stream(o remotecommand.StreamOptions) error {
	return s.StreamWithContext(context.Background(), o)
}

func (s *stream) StreamWithContext(_ context.Context, o remotecommand.StreamOptions) error {
	s.e.mu.Lock()
	s.e.calls++
	s.e.mu.Unlock()
	cmd := s.u.Query()["command"]
	if s.e.NoCat {
		//nolint:staticcheck // ST1005: the runtime's own words, capital and all
		return errors.New(`Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "1f2e": OCI runtime exec failed: exec failed: unable to start container process: exec: "cat": executable file not found in $PATH: unknown`)
	}
	if len(cmd) != 2 || cmd[0] != "cat" {
		return fmt.Errorf("the probe ran %q: only cat FILE is allowed", cmd)
	}
	path := cmd[1]
	exit1 := utilexec.CodeExitError{Err: errors.New("command terminated with non-zero exit code"), Code: 1}
	switch content, ok := s.e.Files[path]; {
	case s.e.Denied[path]:
		fmt.Fprintf(o.Stderr, "cat: %s: Permission denied\n", path)
		return exit1
	case !ok:
		fmt.Fprintf(o.Stderr, "cat: %s: No such file or directory\n", path)
		return exit1
	default:
		_, err := io.WriteString(o.Stdout, content)
		return err
	}
}

// ReadFacts reads recorded facts (fingerprint/testdata/facts/NAME.json).
func ReadFacts(path string) (fingerprint.Facts, error) {
	var f fingerprint.Facts
	raw, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	return f, json.Unmarshal(raw, &f)
}

// FilesOf turns facts back into the files a container would hold.
func FilesOf(f fingerprint.Facts) map[string]string {
	files := map[string]string{
		"/proc/version":              f.Version + "\n",
		"/proc/sys/kernel/osrelease": f.Release + "\n",
		"/proc/cmdline":              f.Cmdline + "\n",
		"/proc/mounts":               "proc /proc proc rw,nosuid 0 0\n" + f.RootMount + " 0 0\ntmpfs /dev tmpfs rw 0 0\n",
	}
	if f.SentryMeminfo == fingerprint.Present {
		files["/proc/sentry-meminfo"] = "MemTotal: 1 kB\n"
	}
	if f.DMI == fingerprint.Present {
		files["/sys/class/dmi/id/sys_vendor"], files["/sys/class/dmi/id/product_name"] = f.DMIVendor+"\n", f.DMIProduct+"\n"
	}
	flags := "fpu vme de pse tsc msr"
	if f.Hypervisor == fingerprint.Present {
		flags += " hypervisor"
	}
	files["/proc/cpuinfo"] = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: " + flags + "\n\nprocessor\t: 1\nflags\t\t: " + flags + "\n"
	return files
}

// Recorded returns the recorded facts NAME
// (fingerprint/testdata/facts/NAME.json), from any package's tests.
func Recorded(t testing.TB, name string) fingerprint.Facts {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	f, err := ReadFacts(filepath.Join(filepath.Dir(self), "..", "..", "fingerprint", "testdata", "facts", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}
