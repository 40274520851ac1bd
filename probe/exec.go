package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"

	"github.com/tiergate/tiergate/fingerprint"
	"github.com/tiergate/tiergate/internal/textutil"
)

// ExecutorFactory opens an exec stream to a URL; tests give a fake.
type ExecutorFactory func(cfg *rest.Config, method string, u *url.URL) (remotecommand.Executor, error)

// DefaultExecutor speaks WebSocket and falls back to SPDY for older
// servers and proxies, as kubectl exec does.
func DefaultExecutor(cfg *rest.Config, method string, u *url.URL) (remotecommand.Executor, error) {
	ws, err := remotecommand.NewWebSocketExecutor(cfg, method, u.String())
	if err != nil {
		return nil, err
	}
	spdy, err := remotecommand.NewSPDYExecutor(cfg, method, u)
	if err != nil {
		return nil, err
	}
	return remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
}

// ErrNoCat: the container has no cat to read files with.
var ErrNoCat = errors.New("no cat")

// Exec reads files in one container with cat through the exec
// subresource (RBAC: create pods/exec): nothing but cat runs, one file
// per call, and its output is bounded.
type Exec struct {
	Config    *rest.Config
	Client    kubernetes.Interface
	Namespace string
	Pod       string
	Container string
	// NewExecutor defaults to DefaultExecutor.
	NewExecutor ExecutorFactory
}

// Read is a ReadFunc over cat.
func (e *Exec) Read(ctx context.Context, path string) (string, error) {
	req := e.Client.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(e.Namespace).Name(e.Pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: e.Container,
			Command:   []string{"cat", path},
			Stdout:    true,
			Stderr:    true,
		}, scheme.ParameterCodec)
	newExec := e.NewExecutor
	if newExec == nil {
		newExec = DefaultExecutor
	}
	ex, err := newExec(e.Config, "POST", req.URL())
	if err != nil {
		return "", &Abort{err}
	}
	var stdout, stderr limitedBuffer
	stdout.limit, stderr.limit = maxFileBytes, 4096
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
	if err == nil {
		return stdout.String(), nil
	}
	return "", e.classify(path, err, stderr.String())
}

// classify tells a file cat could not read (that input stays unread)
// from a container without cat or an exec the server refused (the probe
// stops). cat's own words on stderr decide first: kubelets report its
// exit as a CodeExitError, kwok and some runtimes as plain text.
func (e *Exec) classify(path string, err error, stderr string) error {
	msg := strings.TrimSpace(stderr)
	var code utilexec.CodeExitError
	exited := errors.As(err, &code)
	switch {
	case noCat(msg) || noCat(err.Error()) || exited && (code.Code == 126 || code.Code == 127):
		return &Abort{e.noCatError()}
	case strings.Contains(msg, "No such file or directory"):
		return &fs.PathError{Op: "cat", Path: path, Err: fs.ErrNotExist}
	case strings.Contains(msg, "Permission denied"):
		return &fs.PathError{Op: "cat", Path: path, Err: fs.ErrPermission}
	case exited && msg != "":
		return errors.New(quoteOutput(msg))
	case exited:
		return fmt.Errorf("cat exited %d", code.Code)
	}
	return &Abort{fmt.Errorf("exec in %s/%s: %w", e.Namespace, e.Pod, err)}
}

func (e *Exec) noCatError() error {
	return fmt.Errorf("container %q of pod %s/%s has no cat (a distroless or scratch image): probe it with --probe-image IMAGE: %w", e.Container, e.Namespace, e.Pod, ErrNoCat)
}

// noCat recognises the runtimes' words for a missing executable.
func noCat(msg string) bool {
	return strings.Contains(msg, "executable file not found") ||
		(strings.Contains(msg, `"cat"`) && strings.Contains(msg, "no such file or directory"))
}

// quoteOutput is text from inside a container made fit for a message:
// its first line, control characters replaced, at most 200 bytes.
func quoteOutput(s string) string {
	l := textutil.Printable(fingerprint.FirstLine(s))
	if len(l) > 200 {
		l = strings.ToValidUTF8(l[:200], "") + "…"
	}
	return l
}

// limitedBuffer keeps the first limit bytes and drops the rest, so that a
// huge or endless file cannot grow the probe's memory.
type limitedBuffer struct {
	bytes.Buffer
	limit int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
