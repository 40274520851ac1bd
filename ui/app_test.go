package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/synth"
)

func TestCommands(t *testing.T) {
	for _, tt := range []struct{ cmd, want string }{
		{"ns nowhere", "no workloads in namespace nowhere"},
		{"bogus", "unknown command bogus"},
		{"nodes", "gpu-h100-h3v7"},
		{"q", "press q to quit"},
	} {
		t.Run(tt.cmd, func(t *testing.T) {
			a := loaded(t, examplePlatform(t), 120, 30)
			press(a, ":")
			typeText(a, tt.cmd)
			press(a, "enter")
			if s := screen(a); !strings.Contains(s, tt.want) {
				t.Fatalf("after :%s the screen lacks %q:\n%s", tt.cmd, tt.want, s)
			}
		})
	}
}

func TestQuitKeys(t *testing.T) {
	for _, keys := range [][]string{{"q"}, {"ctrl+c"}, {"/", "ctrl+c"}, {"?", "q"}} {
		t.Run(fmt.Sprint(keys), func(t *testing.T) {
			a := loaded(t, examplePlatform(t), 80, 24)
			var cmd tea.Cmd
			for _, k := range keys {
				_, cmd = a.Update(keyMsg(k))
			}
			if cmd == nil {
				t.Fatal("no command")
			}
			if _, ok := cmd().(tea.QuitMsg); !ok {
				t.Fatal("did not quit")
			}
		})
	}
	// q typed into the filter is text, not quit.
	a := loaded(t, examplePlatform(t), 80, 24)
	press(a, "/")
	_, cmd := a.Update(keyMsg("q"))
	if cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("q in the filter quit the app")
		}
	}
	if a.table.f.text != "q" {
		t.Fatalf("filter text %q, want q", a.table.f.text)
	}
}

func TestInfoSaysWhatIsNotVisible(t *testing.T) {
	inv := synth.Cluster(10, false)
	inv.Gaps = []string{"nodes: forbidden (cluster-scoped) — kernel facts and GPU capacity unavailable"}
	a := liveApp(t, 120, 30)
	send(a, 1, inv, nil)
	if s := screen(a); !strings.Contains(s, "1 not visible (i)") {
		t.Fatalf("header does not flag the gap:\n%s", s)
	}
	press(a, "i")
	s := screen(a)
	for _, want := range []string{"context kwok-lab, all namespaces", "snapshot 1 from 10:00:00", "not visible", "nodes: forbidden (cluster-scoped)"} {
		if !strings.Contains(s, want) {
			t.Fatalf("info lacks %q:\n%s", want, s)
		}
	}
	press(a, "esc")
	if strings.Contains(screen(a), "snapshot 1 from") {
		t.Fatal("esc did not close the info")
	}
}

func TestHeaderHidesCredentialsAndControlCharacters(t *testing.T) {
	ch := make(chan *cluster.Snapshot)
	close(ch)
	a := New(Config{Context: "prod\x1b[2J", Server: "https://admin:s3cr3t-token@10.0.0.1:6443", Scope: "all namespaces",
		Snapshots: ch, Engine: newEngine(t), Now: func() time.Time { return fixedTime }})
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 20})
	s := screen(a)
	if strings.Contains(s, "s3cr3t-token") || strings.Contains(s, "\x1b[2J") {
		t.Fatalf("header shows a credential or a raw escape: %q", strings.Split(s, "\n")[0])
	}
	if !strings.Contains(s, "https://admin:xxxxx@10.0.0.1:6443") || !strings.Contains(s, "ctx prod?[2J") {
		t.Fatalf("header: %q", strings.Split(s, "\n")[0])
	}
}

// TestHelpFollowsTheFocusedView: ? shows the focused view's keys and the
// global ones, and n means one thing in each view: the nodes view from
// the table and the detail, the answer to the apply question in the fix
// view, where it no longer leaves for the nodes view.
func TestHelpFollowsTheFocusedView(t *testing.T) {
	a := openResearchAgent(t, 120, 40)
	press(a, "?")
	s := screen(a)
	for _, want := range []string{`f +fix`, `esc +back`, `n +nodes view`, `: +command \(ns, nodes, pods, q\)`} {
		if !regexp.MustCompile(want).MatchString(s) {
			t.Errorf("the detail view's help lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "cycle type filter") || strings.Contains(s, "decline") {
		t.Errorf("the detail view's help shows other views' keys:\n%s", s)
	}
	press(a, "esc")
	run(a, pressCmd(a, "f"))
	press(a, "n")
	if a.focus != viewFix {
		t.Fatalf("n in the fix view left it for view %d", a.focus)
	}
	press(a, "?")
	if s := screen(a); !regexp.MustCompile(`n +decline`).MatchString(s) || strings.Contains(s, "nodes view") {
		t.Errorf("the fix view's help:\n%s", s)
	}
}

// TestRootStaysSmall holds the limits: a root model of fewer
// than 15 fields, and no file in ui/ over 400 lines.
func TestRootStaysSmall(t *testing.T) {
	if n := reflect.TypeFor[App]().NumField(); n >= 15 {
		t.Errorf("App has %d fields", n)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "\n"); n > 400 {
			t.Errorf("%s has %d lines", f, n)
		}
	}
}
