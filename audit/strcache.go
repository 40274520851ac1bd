package audit

import "strconv"

// ev is a string in parts: evidence, messages and field paths are built
// from a few fragments, and the same fragments recur across thousands of
// replicas of one workload. Keeping the parts lets the engine build each
// distinct string once (see strcache).
type ev [8]string

// mk joins parts with an optional "(note)" after them; at most five
// parts take a note (the matchers never need more).
func mk(note string, parts ...string) ev {
	var e ev
	n := copy(e[:], parts)
	if note != "" {
		if n+3 > len(e) {
			panic("audit: evidence has too many parts for a note")
		}
		e[n], e[n+1], e[n+2] = " (", note, ")"
	}
	return e
}

func (e ev) String() string {
	n := 0
	for _, p := range e {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range e {
		b = append(b, p...)
	}
	return string(b)
}

// strcache interns the strings built from parts. It is bounded: past
// maxCached entries it starts over, so a long-running process with churn
// does not grow without end.
type strcache struct{ m map[ev]string }

const maxCached = 1 << 16

func (c *strcache) str(e ev) string {
	if s, ok := c.m[e]; ok {
		return s
	}
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[ev]string, 1024)
	}
	s := e.String()
	c.m[e] = s
	return s
}

// index strings for the common small indexes, to build "[3]" without
// allocating.
var smallIndex = func() [32]string {
	var a [32]string
	for i := range a {
		a[i] = "[" + strconv.Itoa(i) + "]"
	}
	return a
}()

func indexStr(i int) string {
	if i >= 0 && i < len(smallIndex) {
		return smallIndex[i]
	}
	return "[" + strconv.Itoa(i) + "]"
}
