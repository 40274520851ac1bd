package baseline

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// Key identifies a finding across runs.
type Key struct {
	// OwnerGroup tells apart kinds two projects name alike
	// (agent-sandbox's and OpenKruise's Sandbox).
	Cluster, Namespace, OwnerGroup, OwnerKind, OwnerName, Container, Rule string
}

// KeyOf is the key of finding f of result r.
func KeyOf(r *audit.Result, f *audit.Finding) Key {
	o := OwnerOf(r)
	return Key{Cluster: r.Cluster, Namespace: r.Namespace, OwnerGroup: group(o.APIVersion), OwnerKind: o.Kind, OwnerName: o.Name, Container: f.Container, Rule: f.Rule}
}

// OwnerOf is what a workload's findings belong to across runs: the
// custom resource a pod runs from, else the top of its owner chain (a
// Deployment above its ReplicaSet), else its owner, else itself.
func OwnerOf(r *audit.Result) audit.Owner {
	switch {
	case r.RunsFrom != nil:
		return *r.RunsFrom
	case r.RootOwner != nil:
		return *r.RootOwner
	case r.Owner != nil:
		return *r.Owner
	}
	return audit.Owner{APIVersion: r.APIVersion, Kind: r.Kind, Name: r.Name}
}

// group is an apiVersion's group ("" for the core group or none).
func group(apiVersion string) string {
	g, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return g
}

// Baseline is the findings of a previous report, by key.
type Baseline struct {
	findings map[Key]audit.ResolvedFinding
	order    []Key // as first seen, for a stable list of the resolved
	// unread: the clusters the baseline's fleet audit could not read;
	// their findings now are new to it.
	unread []string
	// clusters: the fleet audit's clusters, read or not, in its order.
	clusters []string
}

// ReadReport decodes a report written with tiergate audit -o json.
func ReadReport(r io.Reader) (*audit.Report, error) {
	var rep struct {
		Workloads *[]audit.Result `json:"workloads"`
		// A fleet report's clusters: those not audited have no findings
		// in it, which says nothing of theirs.
		Clusters []audit.ClusterReport `json:"clusters"`
	}
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, fmt.Errorf("not a tiergate JSON report: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if rep.Workloads == nil {
		return nil, fmt.Errorf("not a tiergate JSON report: it has no \"workloads\" (write one with tiergate audit -o json)")
	}
	return &audit.Report{Workloads: *rep.Workloads, Clusters: rep.Clusters}, nil
}

// FromReport is the baseline of a report.
func FromReport(rep *audit.Report) *Baseline {
	b := &Baseline{findings: map[Key]audit.ResolvedFinding{}}
	for _, c := range rep.Clusters {
		b.clusters = append(b.clusters, c.Context)
		if c.Error != "" {
			b.unread = append(b.unread, c.Context)
		}
	}
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		for j := range r.Findings {
			f := &r.Findings[j]
			k := KeyOf(r, f)
			if old, ok := b.findings[k]; ok && old.Severity.Rank() >= f.Severity.Rank() {
				continue
			}
			if _, ok := b.findings[k]; !ok {
				b.order = append(b.order, k)
			}
			b.findings[k] = audit.ResolvedFinding{Cluster: r.Cluster, Namespace: r.Namespace, Owner: OwnerOf(r), Container: f.Container, Rule: f.Rule, Severity: f.Severity, Message: f.Message}
		}
	}
	return b
}

// NotAudited are the clusters the baseline's fleet audit could not read:
// it knows none of their findings, so all of them are new to it.
func (b *Baseline) NotAudited() []string { return b.unread }

// Clusters are the clusters of the baseline's fleet audit (none for a
// one-cluster audit's).
func (b *Baseline) Clusters() []string { return b.clusters }

// Len is how many distinct findings the baseline holds.
func (b *Baseline) Len() int { return len(b.findings) }

// Comparison marks the findings of an audit against a baseline as they
// arrive (a streamed audit hands them over one workload at a time).
type Comparison struct {
	base *Baseline
	// present: keys the audit has, on any row; counted: those of rows
	// that carry verdicts (a custom resource listed with its pods counts
	// through them, as --fail-on does), at their highest severity.
	present map[Key]bool
	counted map[Key]audit.ResolvedFinding
	order   []Key
	// unread: clusters of a fleet audit that could not be read.
	unread map[string]bool
}

// Compare starts a comparison with b.
func (b *Baseline) Compare() *Comparison {
	return &Comparison{base: b, present: map[Key]bool{}, counted: map[Key]audit.ResolvedFinding{}, unread: map[string]bool{}}
}

// NotAudited says a fleet audit could not read cluster (unreachable,
// forbidden, timed out): the baseline's findings there are unknown, not
// resolved. It returns how many the baseline holds there.
func (c *Comparison) NotAudited(cluster string) int {
	c.unread[cluster] = true
	n := 0
	for k := range c.base.findings {
		if k.Cluster == cluster {
			n++
		}
	}
	return n
}

// Mark sets each finding's Baseline state in r and records it. A finding
// the report holds several times (a Deployment's replicas, a custom
// resource's template and its pods) counts once, at its highest severity.
func (c *Comparison) Mark(r *audit.Result) {
	for j := range r.Findings {
		f := &r.Findings[j]
		k := KeyOf(r, f)
		if _, ok := c.base.findings[k]; ok {
			f.Baseline = audit.BaselineUnchanged
		} else {
			f.Baseline = audit.BaselineNew
		}
		c.present[k] = true
		if r.StandsForPods() {
			continue
		}
		old, ok := c.counted[k]
		if !ok {
			c.order = append(c.order, k)
		}
		if !ok || f.Severity.Rank() > old.Severity.Rank() {
			c.counted[k] = audit.ResolvedFinding{Cluster: r.Cluster, Namespace: r.Namespace, Owner: OwnerOf(r), Container: f.Container, Rule: f.Rule, Severity: f.Severity, Message: f.Message}
		}
	}
}

// New are the findings new since the baseline, each once, most severe
// first.
func (c *Comparison) New() []audit.ResolvedFinding {
	out := []audit.ResolvedFinding{}
	for _, k := range c.order {
		if _, old := c.base.findings[k]; !old {
			out = append(out, c.counted[k])
		}
	}
	slices.SortStableFunc(out, func(a, b audit.ResolvedFinding) int { return b.Severity.Rank() - a.Severity.Rank() })
	return out
}

// Diff is the comparison so far: the new and unchanged counted, and the
// baseline's findings the audit no longer has, most severe first.
func (c *Comparison) Diff() *audit.BaselineDiff {
	d := &audit.BaselineDiff{NewBySeverity: map[policy.Severity]int{}, Resolved: []audit.ResolvedFinding{}}
	for _, k := range c.order {
		if _, old := c.base.findings[k]; old {
			d.Unchanged++
		} else {
			d.New++
			d.NewBySeverity[c.counted[k].Severity]++
		}
	}
	for _, k := range c.base.order {
		if !c.present[k] && !c.unread[k.Cluster] {
			d.Resolved = append(d.Resolved, c.base.findings[k])
		}
	}
	slices.SortStableFunc(d.Resolved, func(a, b audit.ResolvedFinding) int { return b.Severity.Rank() - a.Severity.Rank() })
	d.NewFindings = c.New()
	return d
}

// NewAtLeast counts the new findings at or above sev.
func NewAtLeast(d *audit.BaselineDiff, sev policy.Severity) int {
	n := 0
	for s, c := range d.NewBySeverity {
		if s.Rank() >= sev.Rank() {
			n += c
		}
	}
	return n
}
