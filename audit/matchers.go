package audit

import (
	"strconv"
	"strings"
)

// matcher looks for one kind of signal in a workload's features and, when
// it finds it, returns the evidence sentence shown to the user.
type matcher func(f *features) (string, bool)

func withNote(s, note string) string {
	if note == "" {
		return s
	}
	return s + " (" + note + ")"
}

// imageHas matches images containing any needle.
func imageHas(note string, needles ...string) matcher {
	return func(f *features) (string, bool) {
		for _, img := range f.images {
			for _, n := range needles {
				if strings.Contains(img, n) {
					return withNote("image "+img, note), true
				}
			}
		}
		return "", false
	}
}

// commandHas matches command or args elements containing any needle. The
// evidence quotes the needle, never the whole argument, which may hold a
// secret.
func commandHas(note string, needles ...string) matcher {
	return func(f *features) (string, bool) {
		for _, c := range f.cmds {
			for _, n := range needles {
				if strings.Contains(c, n) {
					return withNote(`command runs "`+n+`"`, note), true
				}
			}
		}
		return "", false
	}
}

// envNamed matches environment variable names equal to one of names or
// starting with one of prefixes. Values are never read.
func envNamed(note string, names, prefixes []string) matcher {
	return func(f *features) (string, bool) {
		for _, e := range f.envNames {
			for _, n := range names {
				if e == n {
					return withNote("env "+e+" (value hidden)", note), true
				}
			}
			for _, p := range prefixes {
				if strings.HasPrefix(e, p) {
					return withNote("env "+e+" (value hidden)", note), true
				}
			}
		}
		return "", false
	}
}

// envContains matches environment variable names containing a fragment.
func envContains(note string, fragments ...string) matcher {
	return func(f *features) (string, bool) {
		for _, e := range f.envNames {
			for _, fr := range fragments {
				if strings.Contains(e, fr) {
					return withNote("env "+e+" (value hidden)", note), true
				}
			}
		}
		return "", false
	}
}

// labelHas matches a label key, and its value when value is not empty.
func labelHas(note, key, value string) matcher {
	return func(f *features) (string, bool) {
		for _, l := range f.labels {
			if l.k == key && (value == "" || l.v == value) {
				return withNote("label "+l.k+"="+l.v, note), true
			}
		}
		return "", false
	}
}

// labelPrefix matches any label whose key starts with prefix.
func labelPrefix(note, prefix string) matcher {
	return func(f *features) (string, bool) {
		for _, l := range f.labels {
			if strings.HasPrefix(l.k, prefix) {
				return withNote("label "+l.k+"="+l.v, note), true
			}
		}
		return "", false
	}
}

// kindIs matches the object's kind or its owner's kind.
func kindIs(note string, kinds ...string) matcher {
	return func(f *features) (string, bool) {
		for _, k := range kinds {
			if f.kind == k {
				return withNote("kind "+k, note), true
			}
			if f.ownerKind == k {
				return withNote("owner "+k+"/"+f.ownerName, note), true
			}
		}
		return "", false
	}
}

// groupKind matches a kind only within an API group, for generic kind
// names such as Model or Agent.
func groupKind(note, group string, kinds ...string) matcher {
	return func(f *features) (string, bool) {
		if !strings.HasPrefix(f.apiVersion, group+"/") {
			return "", false
		}
		for _, k := range kinds {
			if f.kind == k {
				return withNote("kind "+k+" ("+group+")", note), true
			}
		}
		return "", false
	}
}

// wordIn matches whole words in names, container names, image
// repositories and app labels.
func wordIn(note string, words ...string) matcher {
	return func(f *features) (string, bool) {
		for _, n := range f.names {
			for _, w := range words {
				if hasWord(n.value, w) {
					return withNote(n.what+" "+n.value+` has the word "`+w+`"`, note), true
				}
			}
		}
		return "", false
	}
}

// nameHas matches substrings of names, container names, image
// repositories and app labels.
func nameHas(note string, subs ...string) matcher {
	return func(f *features) (string, bool) {
		for _, n := range f.names {
			for _, s := range subs {
				if strings.Contains(n.value, s) {
					return withNote(n.what+" "+n.value, note), true
				}
			}
		}
		return "", false
	}
}

// portIs matches container ports.
func portIs(note string, ports ...int32) matcher {
	return func(f *features) (string, bool) {
		for _, p := range f.ports {
			for _, q := range ports {
				if p == q {
					return withNote("port "+strconv.Itoa(int(p)), note), true
				}
			}
		}
		return "", false
	}
}

// hostAliasHas matches /etc/hosts entries the pod adds.
func hostAliasHas(note string, subs ...string) matcher {
	return func(f *features) (string, bool) {
		for _, h := range f.hostAliases {
			for _, s := range subs {
				if hasWord(h, s) {
					return withNote("hostAlias "+h, note), true
				}
			}
		}
		return "", false
	}
}

// anyOf matches the first matcher that matches.
func anyOf(ms ...matcher) matcher {
	return func(f *features) (string, bool) {
		for _, m := range ms {
			if ev, ok := m(f); ok {
				return ev, true
			}
		}
		return "", false
	}
}

// when guards a matcher with a precondition on the features.
func when(cond func(f *features) bool, m matcher) matcher {
	return func(f *features) (string, bool) {
		if !cond(f) {
			return "", false
		}
		return m(f)
	}
}
