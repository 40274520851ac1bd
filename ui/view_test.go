package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestViewGoldens pins the main table, the detail view, the fix view, the
// nodes view and the help overlay at 80x24 and 160x48.
func TestViewGoldens(t *testing.T) {
	snap := examplePlatform(t)
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		for _, tt := range []struct {
			name string
			keys func(a *App)
		}{
			{"main", func(a *App) {}},
			{"detail", func(a *App) {
				press(a, "/")
				typeText(a, "research")
				press(a, "enter", "enter")
			}},
			{"fix", func(a *App) {
				press(a, "/")
				typeText(a, "research")
				press(a, "enter", "enter")
				run(a, pressCmd(a, "f"))
			}},
			{"nodes", func(a *App) { press(a, "n") }},
			{"help", func(a *App) { press(a, "?") }},
		} {
			t.Run(fmt.Sprintf("%s-%dx%d", tt.name, w, h), func(t *testing.T) {
				a := loaded(t, snap, w, h)
				tt.keys(a)
				got := screen(a)
				lines := strings.Split(got, "\n")
				if len(lines) != h {
					t.Fatalf("%d lines, want %d", len(lines), h)
				}
				for i, l := range lines {
					if n := ansi.StringWidth(l); n != w {
						t.Fatalf("line %d is %d cells wide, want %d: %q", i+1, n, w, l)
					}
				}
				golden(t, fmt.Sprintf("%s-%dx%d", tt.name, w, h), got)
			})
		}
	}
}
