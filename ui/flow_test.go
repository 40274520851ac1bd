package ui

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/synth"
)

// terminal replays the program's output into a virtual terminal, so a
// flow test reads the screen a person would see: the renderer only
// writes the cells that changed, which a byte search cannot follow.
type terminal struct {
	emu *vt.SafeEmulator
	fed int // bytes of the current WaitFor buffer already replayed
}

func newTerminal(t *testing.T, w, h int) *terminal {
	emu := vt.NewSafeEmulator(w, h)
	// The emulator answers the program's terminal queries on a pipe;
	// nobody reads the answers here, so drain them or writes block. (The
	// drain is left blocked at the end: vt's Close races with Read.)
	go func() { _, _ = io.Copy(io.Discard, emu) }()
	return &terminal{emu: emu}
}

// waitFor waits until the screen satisfies ok.
func (term *terminal) waitFor(t *testing.T, tm *teatest.TestModel, what string, ok func(screen string) bool) {
	t.Helper()
	term.fed = 0
	var last string
	err := waitFor(tm.Output(), func(b []byte) bool {
		// A tty turns "\n" into "\r\n" (ONLCR); the emulator is no tty.
		_, _ = term.emu.Write(bytes.ReplaceAll(b[term.fed:], []byte("\n"), []byte("\r\n")))
		term.fed = len(b)
		last = term.emu.String()
		return ok(last)
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v; the screen:\n%s", what, err, last)
	}
}

// waitFor is teatest.WaitFor returning its error, so that the caller can
// show the screen rather than the raw escape codes.
func waitFor(r io.Reader, cond func([]byte) bool) error {
	var buf []byte
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		buf = append(buf, b...)
		if cond(buf) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errTimeout
}

var errTimeout = timeoutError("timed out after 10s")

type timeoutError string

func (e timeoutError) Error() string { return string(e) }

func containsAll(parts ...string) func(string) bool {
	return func(s string) bool {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				return false
			}
		}
		return true
	}
}

// TestFlowFilterDrillDownBackQuit drives the real program the way a
// person would: open, filter, drill down, back, quit.
func TestFlowFilterDrillDownBackQuit(t *testing.T) {
	const w, h = 120, 30
	app := New(Config{Scope: "files examples/llm-platform.yaml", Static: examplePlatform(t), Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
	tm := teatest.NewTestModel(t, app,
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII), tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	term := newTerminal(t, w, h)

	term.waitFor(t, tm, "the audited table", containsAll("30 workloads", "▾ CRITICAL OR BELOW TIER (4)", "▾ CODE-EXEC", "sort:worst finding↑  1/30"))

	tm.Send(keyMsg("/"))
	tm.Type("qdrant")
	term.waitFor(t, tm, "the filtered table", containsAll("rag/sts/qdrant", "▾ CRITICAL OR BELOW TIER (1)"))
	if strings.Contains(term.emu.String(), "deepseek") {
		t.Fatal("the filter left other workloads on screen")
	}

	tm.Send(keyMsg("enter")) // close the filter line, keep the filter
	tm.Send(keyMsg("enter")) // open the selected workload
	term.waitFor(t, tm, "the detail view", containsAll("StatefulSet rag/qdrant", "ISOLATION  shared → gvisor", "FINDINGS (10)", "namespace rag enforces Pod Security baseline:latest"))

	tm.Send(keyMsg("esc"))
	term.waitFor(t, tm, "the table again", containsAll("rag/sts/qdrant", "/qdrant", "1/1"))

	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final, ok := tm.FinalModel(t).(*App)
	if !ok {
		t.Fatalf("final model is %T", tm.FinalModel(t))
	}
	if final.focus != viewTable || final.table.f.text != "qdrant" {
		t.Fatalf("final state: mode %d, filter %q", final.focus, final.table.f.text)
	}
}

// TestFlowLiveUpdates feeds snapshots through the channel live mode uses:
// "syncing…" first, then the table, then a new pod and a deletion.
func TestFlowLiveUpdates(t *testing.T) {
	const w, h = 100, 24
	ch := make(chan *cluster.Snapshot, 1)
	app := New(Config{Context: "kwok-lab", Scope: "all namespaces", Snapshots: ch, Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII)))
	term := newTerminal(t, w, h)

	// Unsynced first, as a source sends before its informers have
	// listed (the unit tests check what that looks like).
	ch <- &cluster.Snapshot{Generation: 1, Inventory: &audit.Inventory{}, Time: fixedTime}

	inv := synth.Cluster(20, false)
	ch <- &cluster.Snapshot{Generation: 2, Synced: true, Inventory: inv, Time: fixedTime}
	term.waitFor(t, tm, "the table", containsAll("20 workloads", "synced 10:00:00"))

	gone := inv.Workloads[0].Name
	next := withPod(without(inv, gone), 3, "fresh-pod")
	ch <- &cluster.Snapshot{Generation: 3, Synced: true, Inventory: next, Time: fixedTime}
	term.waitFor(t, tm, "the new pod", containsAll("fresh-pod", "20 workloads"))
	if strings.Contains(term.emu.String(), gone) {
		t.Fatalf("deleted pod %s still on screen", gone)
	}

	close(ch) // the source stopped: the app keeps its data and stays up
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
