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
	Cluster, Namespace, OwnerKind, OwnerName, Container, Rule string
}

// KeyOf is the key of finding f of result r.
func KeyOf(r *audit.Result, f *audit.Finding) Key {
	o := OwnerOf(r)
	return Key{Cluster: r.Cluster, Namespace: r.Namespace, OwnerKind: o.Kind, OwnerName: o.Name, Container: f.Container, Rule: f.Rule}
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
	return audit.Owner{Kind: r.Kind, Name: r.Name}
}

// Baseline is the findings of a previous report, by key.
type Baseline struct {
	findings map[Key]audit.ResolvedFinding
	order    []Key // as first seen, for a stable list of the resolved
}

// ReadReport decodes a report written with tiergate audit -o json.
func ReadReport(r io.Reader) (*audit.Report, error) {
	var rep struct {
		Workloads *[]audit.Result `json:"workloads"`
	}
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, fmt.Errorf("not a tiergate JSON report: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if rep.Workloads == nil {
		return nil, fmt.Errorf("not a tiergate JSON report: it has no \"workloads\" (write one with tiergate audit -o json)")
	}
	return &audit.Report{Workloads: *rep.Workloads}, nil
}

// FromReport is the baseline of a report.
func FromReport(rep *audit.Report) *Baseline {
	b := &Baseline{findings: map[Key]audit.ResolvedFinding{}}
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

// Len is how many distinct findings the baseline holds.
func (b *Baseline) Len() int { return len(b.findings) }

// Comparison marks the findings of an audit against a baseline as they
// arrive (a streamed audit hands them over one workload at a time).
type Comparison struct {
	base *Baseline
	seen map[Key]bool
	diff audit.BaselineDiff
}

// Compare starts a comparison with b.
func (b *Baseline) Compare() *Comparison {
	return &Comparison{base: b, seen: map[Key]bool{}, diff: audit.BaselineDiff{NewBySeverity: map[policy.Severity]int{}}}
}

// Mark sets each finding's Baseline state in r and counts it. A finding
// the report holds twice (a custom resource's template and its pods)
// counts once.
func (c *Comparison) Mark(r *audit.Result) {
	for j := range r.Findings {
		f := &r.Findings[j]
		k := KeyOf(r, f)
		if _, ok := c.base.findings[k]; ok {
			f.Baseline = audit.BaselineUnchanged
		} else {
			f.Baseline = audit.BaselineNew
		}
		if c.seen[k] || r.StandsForPods() {
			continue // counted once, and through the pods (as --fail-on)
		}
		c.seen[k] = true
		if f.Baseline == audit.BaselineNew {
			c.diff.New++
			c.diff.NewBySeverity[f.Severity]++
		} else {
			c.diff.Unchanged++
		}
	}
}

// Diff is the comparison so far, with the baseline's findings not seen
// as resolved, most severe first.
func (c *Comparison) Diff() *audit.BaselineDiff {
	d := c.diff
	d.Resolved = []audit.ResolvedFinding{}
	for _, k := range c.base.order {
		if !c.seen[k] {
			d.Resolved = append(d.Resolved, c.base.findings[k])
		}
	}
	slices.SortStableFunc(d.Resolved, func(a, b audit.ResolvedFinding) int { return b.Severity.Rank() - a.Severity.Rank() })
	return &d
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
