package ui

import (
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	goldenfile "github.com/tiergate/tiergate/internal/golden"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
)

// fixedTime keeps headers ("synced 10:00:00") stable in golden files.
var fixedTime = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// examplePlatform loads examples/llm-platform.yaml as a snapshot.
func examplePlatform(t testing.TB) *cluster.Snapshot {
	t.Helper()
	return fileSnapshot(t, "../examples/llm-platform.yaml")
}

// fileSnapshot loads a manifest file as a synced snapshot.
func fileSnapshot(t testing.TB, path string) *cluster.Snapshot {
	t.Helper()
	objs, err := manifest.Read([]string{path}, nil, manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &cluster.Snapshot{Generation: 1, Synced: true, Inventory: inv, Time: fixedTime}
}

func newEngine(t testing.TB) *audit.Engine {
	t.Helper()
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// loaded returns an app sized w×h with the snapshot audited and shown.
func loaded(t testing.TB, snap *cluster.Snapshot, w, h int) *App {
	t.Helper()
	a := New(Config{Scope: "files examples/llm-platform.yaml", Static: snap, Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	drive(a, a.Init())
	return a
}

// drive runs the app's own commands (data loading) synchronously;
// anything else (cursor blink) is ignored.
func drive(a *App, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch m := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range m {
			drive(a, c)
		}
	case snapshotMsg, auditedMsg, metricsMsg:
		_, next := a.Update(m)
		if _, ok := m.(metricsMsg); ok {
			return // next is the tick to the next reading
		}
		drive(a, next)
	}
}

// press sends one key by its name ("j", "enter", "esc", "ctrl+c", ...).
func press(a *App, keys ...string) {
	for _, k := range keys {
		a.Update(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// typeText types text into whatever has focus.
func typeText(a *App, s string) {
	for _, r := range s {
		a.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// screen is the view without colours, as a golden file holds it.
func screen(a *App) string { return ansi.Strip(a.View().Content) }

// golden compares a screen with testdata/NAME.golden (go test ./ui
// -update rewrites it).
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Assert(t, "./ui", filepath.Join("testdata", name+".golden"), []byte(got))
}
