package cmd

import (
	"strings"
	"testing"

	goldenfile "github.com/tiergate/tiergate/internal/golden"
	"github.com/tiergate/tiergate/internal/readme"
)

// TestReadmeDemoSample holds the README's "make demo" sample to what the
// demo prints: the first rows of the first two groups and the summary
// line, abridged the same way every time (go test ./cmd -update rewrites
// it).
func TestReadmeDemoSample(t *testing.T) {
	out, errOut, code := run(t, "", "audit", "-f", example)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if err := readme.Check("demo", abridge(out, 2, 3), goldenfile.Updating()); err != nil {
		t.Fatal(err)
	}
}

// abridge keeps the first rows of the first groups of a table report
// (title, column header, rows), "..." for the rest, and the summary.
func abridge(out string, groups, rows int) string {
	var b strings.Builder
	blocks := strings.Split(strings.TrimRight(out, "\n"), "\n\n")
	for i, block := range blocks[:len(blocks)-1] {
		if i == groups {
			break
		}
		lines := strings.Split(block, "\n")
		keep := min(len(lines), 2+rows)
		b.WriteString(strings.Join(lines[:keep], "\n") + "\n")
		if keep < len(lines) || i == groups-1 {
			b.WriteString("...\n")
		}
	}
	b.WriteString(blocks[len(blocks)-1] + "\n")
	return b.String()
}
