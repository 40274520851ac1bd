package audit

// Verdicts lists the verdicts worst first, the order counts are shown in.
func Verdicts() []Verdict {
	return []Verdict{VerdictCritical, VerdictBelowTier, VerdictFindings, VerdictOK}
}

// Words is how a count of workloads with the verdict reads ("7 below
// tier", "13 to harden"): the JSON values are identifiers, these are for
// people.
func (v Verdict) Words() string {
	switch v {
	case VerdictBelowTier:
		return "below tier"
	case VerdictFindings:
		return "to harden"
	}
	return string(v)
}

// Meaning defines the verdict in one sentence, for help and the README.
func (v Verdict) Meaning() string {
	switch v {
	case VerdictCritical:
		return "a critical finding: fix first (privileged, host namespaces, a probed kernel weaker than declared, ...)"
	case VerdictBelowTier:
		return "its isolation is weaker than its type's tier requires (an agent on a shared kernel, code runners outside a microVM)"
	case VerdictFindings:
		return "its isolation meets the tier, but the minimum policy set or the GPU checks found something to fix"
	}
	return "nothing found"
}
