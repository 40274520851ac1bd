package textutil

import "testing"

func TestPrintable(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{"ünïcode → ok", "ünïcode → ok"},
		{"esc\x1b[31mred", "esc?[31mred"},
		{"tab\tnew\nline\r", "tab?new?line?"},
		{"bell\a del\x7f c1\u009b", "bell? del? c1?"},
	} {
		if got := Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "policies", 1: "policy", 2: "policies"} {
		if got := Plural(n, "policy", "policies"); got != want {
			t.Errorf("Plural(%d) = %q", n, got)
		}
	}
	if S(1) != "" || S(0) != "s" || S(3) != "s" {
		t.Error("S")
	}
}
