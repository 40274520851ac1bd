package audit

import (
	mathbits "math/bits"
	"strconv"
	"strings"

	"github.com/tiergate/tiergate/kinds"
)

// matcher looks for one kind of fact in a workload's features and, when
// it finds it, returns the evidence sentence shown to the user, in parts.
type matcher func(f *features) (ev, bool)

// found is a fact with the tier it counts at.
type found struct {
	e    ev
	tier Tier
}

// tiered is a matcher that also says how strong what it found is: a
// signal's alternatives may sit at different tiers (an LWS owner kind is
// what runs, an LWS label is a label).
type tiered func(f *features) (found, bool)

// at gives every fact a matcher finds the same tier.
func at(t Tier, m matcher) tiered {
	return func(f *features) (found, bool) {
		e, ok := m(f)
		return found{e, t}, ok
	}
}

// atAny is at(t, anyOf(ms...)) in one call: the classifier asks every
// signal of every workload, so a layer of calls counts.
func atAny(t Tier, ms ...matcher) tiered {
	if len(ms) == 1 {
		m := ms[0]
		return func(f *features) (found, bool) {
			e, ok := m(f)
			return found{e, t}, ok
		}
	}
	return func(f *features) (found, bool) {
		for _, m := range ms {
			if e, ok := m(f); ok {
				return found{e, t}, true
			}
		}
		return found{}, false
	}
}

// strongest matches the alternative found at the strongest tier (the
// first of equals): a word in the image outranks the same word in a name.
func strongest(ms ...tiered) tiered {
	return func(f *features) (found, bool) {
		var best found
		ok := false
		for _, m := range ms {
			if fd, hit := m(f); hit && (!ok || fd.tier < best.tier) {
				best, ok = fd, true
				if best.tier == TierRuns {
					break
				}
			}
		}
		return best, ok
	}
}

// imageHas matches images containing any needle.
func imageHas(note string, needles ...string) matcher {
	return func(f *features) (ev, bool) {
		for _, img := range f.images {
			for _, n := range needles {
				if strings.Contains(img, n) {
					return mk(note, "image ", img), true
				}
			}
		}
		return ev{}, false
	}
}

// needles is a row of a lookup table: substrings and what they mean.
type needles struct {
	note string
	subs []string
}

func n(note string, subs ...string) needles { return needles{note, subs} }

// memo remembers a table's verdict per string, so that replicas sharing
// an image or a command are searched once. Memos are per audit call
// (features.memos), not in the matcher, so that one engine serves
// concurrent calls; a matcher knows only its slot.
type memo struct{ m map[string]memoHit }

type memoHit struct {
	e  ev
	ok bool
}

func (c *memo) get(key string, search func() (ev, bool)) (ev, bool) {
	if h, ok := c.m[key]; ok {
		return h.e, h.ok
	}
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[string]memoHit, 256)
	}
	e, ok := search()
	c.m[key] = memoHit{e, ok}
	return e, ok
}

// imagesLike matches images against a table of needles, first row first.
func (b *signalBuilder) imagesLike(rows ...needles) matcher {
	slot := b.memoSlot()
	return func(f *features) (ev, bool) {
		c := &f.memos[slot]
		for _, img := range f.images {
			if e, ok := c.get(img, func() (ev, bool) {
				for _, r := range rows {
					for _, sub := range r.subs {
						if strings.Contains(img, sub) {
							return mk(r.note, "image ", img), true
						}
					}
				}
				return ev{}, false
			}); ok {
				return e, true
			}
		}
		return ev{}, false
	}
}

// commandsLike matches command and args elements against a table of
// needles; evidence quotes the needle, never the argument.
func (b *signalBuilder) commandsLike(rows ...needles) matcher {
	slot := b.memoSlot()
	return func(f *features) (ev, bool) {
		c := &f.memos[slot]
		for _, cmd := range f.cmds {
			if e, ok := c.get(cmd, func() (ev, bool) {
				for _, r := range rows {
					for _, sub := range r.subs {
						if strings.Contains(cmd, sub) {
							return mk(r.note, `command runs "`, sub, `"`), true
						}
					}
				}
				return ev{}, false
			}); ok {
				return e, true
			}
		}
		return ev{}, false
	}
}

// commandHas matches command or args elements containing any needle. The
// evidence quotes the needle, never the whole argument, which may hold a
// secret.
func commandHas(note string, needles ...string) matcher {
	return func(f *features) (ev, bool) {
		for _, c := range f.cmds {
			for _, n := range needles {
				if strings.Contains(c, n) {
					return mk(note, `command runs "`, n, `"`), true
				}
			}
		}
		return ev{}, false
	}
}

// envNamed matches environment variable names equal to one of names or
// starting with one of prefixes. Values are never read.
func envNamed(note string, names, prefixes []string) matcher {
	return envWhere(nil, note, names, prefixes)
}

// envWhere is envNamed for the names keep accepts (nil: all).
func envWhere(keep func(string) bool, note string, names, prefixes []string) matcher {
	return func(f *features) (ev, bool) {
		for _, e := range f.envNames {
			if keep != nil && !keep(e) {
				continue
			}
			for _, n := range names {
				if e == n {
					return mk(note, "env ", e, " (value hidden)"), true
				}
			}
			for _, p := range prefixes {
				if strings.HasPrefix(e, p) {
					return mk(note, "env ", e, " (value hidden)"), true
				}
			}
		}
		return ev{}, false
	}
}

// envContains matches environment variable names containing a fragment.
func envContains(note string, fragments ...string) matcher {
	return func(f *features) (ev, bool) {
		for _, e := range f.envNames {
			for _, fr := range fragments {
				if strings.Contains(e, fr) {
					return mk(note, "env ", e, " (value hidden)"), true
				}
			}
		}
		return ev{}, false
	}
}

// labelHas matches a label key, and its value when value is not empty.
func labelHas(note, key, value string) matcher {
	return func(f *features) (ev, bool) {
		for _, l := range f.labels {
			if l.k == key && (value == "" || l.v == value) {
				return mk(note, "label ", l.k, "=", l.v), true
			}
		}
		return ev{}, false
	}
}

// labelPrefix matches any label whose key starts with prefix.
func labelPrefix(note, prefix string) matcher {
	return func(f *features) (ev, bool) {
		for _, l := range f.labels {
			if strings.HasPrefix(l.k, prefix) {
				return mk(note, "label ", l.k, "=", l.v), true
			}
		}
		return ev{}, false
	}
}

// kindIs matches the object's kind or its owner's kind.
func kindIs(note string, kinds ...string) matcher {
	return func(f *features) (ev, bool) {
		for _, k := range kinds {
			if f.kind == k {
				return mk(note, "kind ", k), true
			}
			// An owner of a kind name two groups share is matched by
			// group (groupKind), where its reference says the group.
			if f.ownerKind == k && !sharedName(f.ownerAPIVersion, k) {
				return mk(note, "owner ", k, "/", f.ownerName), true
			}
			for _, o := range f.owners {
				if o.Kind == k && !sharedName(o.APIVersion, k) {
					return mk(note, "owner ", k, "/", o.Name), true
				}
			}
		}
		return ev{}, false
	}
}

// groupKind matches a kind only within an API group, for generic kind
// names such as Model or Agent.
func groupKind(note, group string, kinds ...string) matcher {
	inGroup := " (" + group + ")"
	return func(f *features) (ev, bool) {
		if strings.HasPrefix(f.apiVersion, group+"/") {
			for _, k := range kinds {
				if f.kind == k {
					return mk(note, "kind ", k, " (", group, ")"), true
				}
			}
		}
		// A pod's owner of a kind name two groups share (a Sandbox), by
		// the group its reference names.
		for _, k := range kinds {
			if f.ownerKind == k && sharedName(f.ownerAPIVersion, k) && strings.HasPrefix(f.ownerAPIVersion, group+"/") {
				return mk(note, "owner ", k, "/", f.ownerName, inGroup), true
			}
			for _, o := range f.owners {
				if o.Kind == k && sharedName(o.APIVersion, k) && strings.HasPrefix(o.APIVersion, group+"/") {
					return mk(note, "owner ", k, "/", o.Name, inGroup), true
				}
			}
		}
		return ev{}, false
	}
}

// sharedName says an owner reference of apiVersion names a kind whose
// name two groups of the registry declare (agent-sandbox's and
// OpenKruise's Sandbox): its group, not its name, says which.
func sharedName(apiVersion, kind string) bool {
	return apiVersion != "" && kinds.Ambiguous(kind)
}

// signalBuilder collects, while the signals are built, what their
// matchers share: the word dictionary and the number of memo slots each
// audit call must provide.
type signalBuilder struct {
	wordDict
	memos int
}

// memoSlot hands a memoised matcher its slot in features.memos.
func (b *signalBuilder) memoSlot() int {
	b.memos++
	return b.memos - 1
}

// wordDict maps every single word the word signals look for to the set
// of signals (a bit each) that want it, so that a workload's words are
// looked up once for all of them.
type wordDict struct {
	bits map[string]uint64
	// known says, per signal, that its words name products: found in an
	// image repository they count as what runs, not as a name.
	known [64]bool
	n     int
}

// wordIn matches whole words in names, container names, image
// repositories and app labels, at the tier of the strongest place it
// finds one (nameTier). Phrases with a separator ("hermes-agent") are
// searched for in the names themselves.
func (d *wordDict) wordIn(note string, known bool, words ...string) tiered {
	if d.bits == nil {
		d.bits = map[string]uint64{}
	}
	id := d.n
	d.n++
	if d.n > 64 {
		panic("wordDict: more than 64 word signals")
	}
	d.known[id] = known
	var phrases []string
	for _, w := range words {
		if strings.IndexFunc(w, func(r rune) bool { return r > 127 || !isAlnum(byte(r)) }) >= 0 {
			phrases = append(phrases, w)
		} else {
			d.bits[w] |= 1 << id
		}
	}
	return func(f *features) (found, bool) {
		if !f.wordsLooked {
			d.lookup(f)
		}
		var best found
		ok := false
		if wi := f.wordHit[id]; wi > 0 {
			wd := f.words[wi-1]
			n := f.names[wd.name]
			best, ok = found{wordEvidence(n, wd.tok, note), nameTier(n.what, known)}, true
		}
		for _, n := range f.names {
			for _, w := range phrases {
				if t := nameTier(n.what, known); (!ok || t < best.tier) && hasWord(n.value, w) {
					best, ok = found{wordEvidence(n, w, note), t}, true
				}
			}
		}
		return best, ok
	}
}

// wordEvidence reads `name adk-agent has the word "adk" (agent framework)`.
func wordEvidence(n named, w, note string) ev {
	if note == "" {
		return ev{n.what, " ", n.value, ` has the word "`, w, `"`}
	}
	return ev{n.what, " ", n.value, ` has the word "`, w, `" (`, note, ")"}
}

// lookup records, per word signal, the workload's word it wants at the
// strongest tier (1-based; 0 for none).
func (d *wordDict) lookup(f *features) {
	f.wordsLooked = true
	f.wordHit = [64]int{}
	var tierOf [64]Tier
	for i, wd := range f.words {
		bits := d.bits[wd.tok]
		for bits != 0 {
			id := mathbits.TrailingZeros64(bits)
			bits &^= 1 << id
			t := nameTier(f.names[wd.name].what, d.known[id])
			if f.wordHit[id] == 0 || t < tierOf[id] {
				f.wordHit[id], tierOf[id] = i+1, t
			}
		}
	}
}

// nameHas matches substrings of names, container names, image
// repositories and app labels, at the strongest tier found; known says
// the substrings name products or runtimes (see nameTier).
func nameHas(note string, known bool, subs ...string) tiered {
	return func(f *features) (found, bool) {
		var best found
		ok := false
		for _, n := range f.names {
			t := nameTier(n.what, known)
			if ok && t >= best.tier {
				continue
			}
			for _, s := range subs {
				if strings.Contains(n.value, s) {
					best, ok = found{mk(note, n.what, " ", n.value), t}, true
					break
				}
			}
		}
		return best, ok
	}
}

// portIs matches container ports.
func portIs(note string, ports ...int32) matcher {
	return func(f *features) (ev, bool) {
		for _, p := range f.ports {
			for _, q := range ports {
				if p == q {
					return mk(note, "port ", strconv.Itoa(int(p))), true
				}
			}
		}
		return ev{}, false
	}
}

// hostAliasHas matches /etc/hosts entries the pod adds.
func hostAliasHas(note string, subs ...string) matcher {
	return func(f *features) (ev, bool) {
		for _, h := range f.hostAliases {
			for _, s := range subs {
				if hasWord(h, s) {
					return mk(note, "hostAlias ", h), true
				}
			}
		}
		return ev{}, false
	}
}

// anyOf matches the first matcher that matches.
func anyOf(ms ...matcher) matcher {
	return func(f *features) (ev, bool) {
		for _, m := range ms {
			if e, ok := m(f); ok {
				return e, true
			}
		}
		return ev{}, false
	}
}

// when guards a matcher with a precondition on the features.
func when(cond func(f *features) bool, m matcher) matcher {
	return func(f *features) (ev, bool) {
		if !cond(f) {
			return ev{}, false
		}
		return m(f)
	}
}
