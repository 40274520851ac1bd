//go:build integration

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmuxSession is one tmux session on a private server socket, so the
// test never touches the user's own tmux.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
	stderr string // the program's stderr, kept out of the screen
	status string // its exit status, written by the shell that runs it
}

// startTmux runs argv in a detached w×h tmux session. The pane stays
// after the program exits so its exit status can be read.
func startTmux(t *testing.T, w, h int, env []string, argv ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is not installed (.ci/run installs it): %v", err)
	}
	dir := t.TempDir()
	s := &tmuxSession{t: t, socket: fmt.Sprintf("tiergate-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()), name: "tg",
		stderr: filepath.Join(dir, "stderr"), status: filepath.Join(dir, "status")}
	args := []string{"new-session", "-d", "-s", s.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)}
	for _, e := range append(env, "TIERGATE_E2E_STDERR="+s.stderr, "TIERGATE_E2E_STATUS="+s.status) {
		args = append(args, "-e", e)
	}
	// stderr goes to a file: a panic or a goroutine dump stays readable
	// whatever the screen shows. The shell writes the exit status (128+n
	// for a signal) to a file: tmux 3.3 has been seen to mark the pane
	// dead and never report the status.
	args = append(args, "--", "sh", "-c", `"$0" "$@" 2>"$TIERGATE_E2E_STDERR"; echo $? >"$TIERGATE_E2E_STATUS.tmp" && mv "$TIERGATE_E2E_STATUS.tmp" "$TIERGATE_E2E_STATUS"`)
	args = append(args, argv...)
	// remain-on-exit is set in the same tmux invocation, before the
	// program can exit.
	args = append(args, ";", "set-option", "-t", s.name, "remain-on-exit", "on")
	s.run(args...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the pane shows now, as text.
func (s *tmuxSession) screen() string { return s.run("capture-pane", "-p", "-t", s.name) }

// screenEscapes is the pane with its colours and attributes as escape codes.
func (s *tmuxSession) screenEscapes() string { return s.run("capture-pane", "-p", "-e", "-t", s.name) }

// keys sends tmux key names (Enter, Escape, C-c, q).
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	s.run(append([]string{"send-keys", "-t", s.name}, keys...)...)
}

// typeText sends literal text.
func (s *tmuxSession) typeText(text string) {
	s.t.Helper()
	s.run("send-keys", "-t", s.name, "-l", text)
}

// waitFor polls the screen until every part is on it and none of the
// absent parts is, and returns how long that took.
func (s *tmuxSession) waitFor(what string, timeout time.Duration, parts []string, absent ...string) time.Duration {
	s.t.Helper()
	start := time.Now()
	var scr string
	for time.Since(start) < timeout {
		scr = s.screen()
		if containsAll(scr, parts) && !containsAny(scr, absent) {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("waiting %v for %s (want %q, not %q); the screen:\n%s", timeout, what, parts, absent, scr)
	return 0
}

// exitStatus waits for the program to end and returns its exit status
// (128+n when a signal n ended it).
func (s *tmuxSession) exitStatus(timeout time.Duration) int {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(s.status); err == nil {
			code, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				s.t.Fatalf("exit status %q: %v", b, err)
			}
			if code > 128 {
				s.t.Fatalf("the program died of signal %d; the screen:\n%s\nits stderr:\n%s", code-128, s.screen(), s.stderrText())
			}
			return code
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Ask the Go runtime for its goroutines (SIGQUIT prints them to
	// stderr and exits), so a hang says where it is. The pane's process
	// is the shell; the program is its child.
	screen := s.screen()
	pid := strings.TrimSpace(s.run("display-message", "-p", "-t", s.name, "#{pane_pid}"))
	_ = exec.Command("pkill", "-QUIT", "-P", pid).Run()
	time.Sleep(time.Second)
	s.t.Fatalf("the program did not exit within %v; the screen:\n%s\nits stderr after SIGQUIT:\n%s", timeout, screen, s.stderrText())
	return -1
}

func (s *tmuxSession) stderrText() string {
	b, err := os.ReadFile(s.stderr)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func containsAny(s string, parts []string) bool {
	for _, p := range parts {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
