package audit

// Tier is how strong a piece of classification evidence is
// (docs/classification.md). A weaker tier breaks ties between types and
// raises confidence; it never overturns what a stronger tier decided.
type Tier uint8

const (
	// TierNone marks a conclusion (a policy rule, a runner-up, a tie
	// broken by risk), not a fact about the workload.
	TierNone Tier = iota
	// TierRuns is what runs: a known image, the command, the owner's kind.
	TierRuns
	// TierWiring is how it is wired: env names, ports, sockets, GPUs.
	TierWiring
	// TierLabels is what its labels say.
	TierLabels
	// TierNames is words in its names.
	TierNames
)

// tiers counts the tiers of evidence (TierRuns..TierNames).
const tiers = 4

// String names the tier as docs/classification.md does.
func (t Tier) String() string {
	switch t {
	case TierRuns:
		return "what runs"
	case TierWiring:
		return "wiring"
	case TierLabels:
		return "labels"
	case TierNames:
		return "names"
	}
	return "conclusion"
}

// Evidence is one reason for a workload's type, with the tier it counts
// at. Against marks evidence that speaks against the type it is listed
// under.
type Evidence struct {
	Text    string `json:"text"`
	Tier    Tier   `json:"tier"`
	Against bool   `json:"against,omitempty"`
}

// uncertainCap is the most confidence names alone can give.
const uncertainCap = 0.5

// nameTier is the tier of a word found in a named value: an image
// repository counts as what runs only for a known product's name;
// labels are labels; every other name is a name.
func nameTier(what string, known bool) Tier {
	switch {
	case what == "image" && known:
		return TierRuns
	case len(what) > 6 && what[:6] == "label ":
		return TierLabels
	}
	return TierNames
}

// Texts returns the sentences of a list of evidence, in order.
func Texts(es []Evidence) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out
}
