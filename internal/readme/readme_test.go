package readme

import (
	"strings"
	"testing"
)

func TestSampleRoundTrip(t *testing.T) {
	doc := []byte("intro\n<!-- sample:x -->\n```\nold\n```\n<!-- /sample:x -->\nafter\n")
	got, err := Sample(doc, "x")
	if err != nil || got != "old\n" {
		t.Fatalf("%q %v", got, err)
	}
	out, err := Replace(doc, "x", "new\nlines")
	if err != nil || string(out) != "intro\n<!-- sample:x -->\n```\nnew\nlines\n```\n<!-- /sample:x -->\nafter\n" {
		t.Fatalf("%q %v", out, err)
	}
	if _, err := Sample(doc, "y"); err == nil || !strings.Contains(err.Error(), "no sample") {
		t.Fatalf("missing sample: %v", err)
	}
}
