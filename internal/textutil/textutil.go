// Package textutil holds small text helpers shared by the renderers.
package textutil

import (
	"strings"
	"unicode"
)

// Printable replaces control characters, so that a name or image from an
// untrusted manifest cannot move the cursor or forge rows on a terminal.
func Printable(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// OneLine folds a message (an API error, a server's answer) onto one
// line with single spaces.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// OrDash is s, or "-" for an empty cell.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Plural is one for a count of 1 and many otherwise ("policy", "policies").
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// S is the plural "s" of a count: "" for 1, "s" otherwise.
func S(n int) string { return Plural(n, "", "s") }
