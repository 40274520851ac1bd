package ui

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/tiergate/tiergate/metrics"
)

// figureNames are the figures in the order the table's columns show them.
var figureNames = []struct{ key, name string }{
	{metrics.FigureRSS, "RSS"}, {metrics.FigureTokens, "tokens/s"}, {metrics.FigureGPU, "GPU use"},
}

// figureSummary says, for each figure, how many pods of the last
// collection have a value and from which sources, and why the others
// have none: the columns' cells counted, so the overlay and the table
// never disagree.
func figureSummary(pods map[metrics.PodKey]*metrics.Pod) []string {
	var out []string
	for _, f := range figureNames {
		valued := 0
		sources := map[string]int{}
		whys := map[string]int{}
		for _, p := range pods {
			if _, ok := p.Cell(f.key); ok {
				valued++
				sources[figureSource(p, f.key)]++
				continue
			}
			why := p.Why[f.key]
			if why == "" {
				why = metrics.WhyNoSource
			}
			whys[why]++
		}
		line := f.name + ": " + itoa(valued) + " of " + itoa(len(pods)) + " pods"
		if len(sources) > 0 {
			line += " (" + counted(sources) + ")"
		}
		if len(whys) > 0 {
			line += "; none: " + counted(whys)
		}
		out = append(out, line)
	}
	return out
}

func figureSource(p *metrics.Pod, figure string) string {
	switch figure {
	case metrics.FigureRSS:
		return p.RSSSource
	case metrics.FigureTokens:
		return p.ServingSource
	}
	return p.GPUSource
}

// counted is "proxy refused 12, not running 2": largest count first.
func counted(m map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = orWord(k, "unnamed") + " " + itoa(m[k])
	}
	return strings.Join(parts, ", ")
}

func orWord(s, or string) string {
	if s == "" {
		return or
	}
	return s
}
