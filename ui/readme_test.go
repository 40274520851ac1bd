package ui

import (
	"strings"
	"testing"

	goldenfile "github.com/tiergate/tiergate/internal/golden"
	"github.com/tiergate/tiergate/internal/readme"
)

// TestReadmeViewSample holds the README's picture of the view to the
// view itself: the bundled example at 100x24 (go test ./ui -update
// rewrites it).
func TestReadmeViewSample(t *testing.T) {
	a := loaded(t, examplePlatform(t), 100, 24)
	lines := strings.Split(screen(a), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	if err := readme.Check("view", strings.Join(lines, "\n"), goldenfile.Updating()); err != nil {
		t.Fatal(err)
	}
}
