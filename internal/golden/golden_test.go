package golden

import (
	"strings"
	"testing"
)

func TestFirstDiff(t *testing.T) {
	for _, tt := range []struct{ want, got, says string }{
		{"a\nb\nc", "a\nB\nc", "line 2:\n  want: b\n  got:  B"},
		{"a\nb", "a\nb\nc", "line 3:\n  want: (no line)\n  got:  c"},
		{"a\n", "a", "line 2:"},
	} {
		if d := FirstDiff(tt.want, tt.got); !strings.HasPrefix(d, tt.says) {
			t.Errorf("FirstDiff(%q, %q) = %q, want it to start %q", tt.want, tt.got, d, tt.says)
		}
	}
}

// TestAssertFails: a difference fails the test (a fake T records it).
func TestAssertFails(t *testing.T) {
	path := t.TempDir() + "/x.golden"
	if err := writeFile(path, "one\n"); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	Assert(rec, "./x", path, []byte("two\n"))
	if !rec.failed || !strings.Contains(rec.msg, "go test ./x -update") || !strings.Contains(rec.msg, "line 1") {
		t.Errorf("Assert on a difference: failed=%v, message %q", rec.failed, rec.msg)
	}
	rec = &recorder{TB: t}
	Assert(rec, "./x", path, []byte("one\n"))
	if rec.failed {
		t.Errorf("Assert on equal content failed: %q", rec.msg)
	}
}
