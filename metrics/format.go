package metrics

import (
	"fmt"
	"math"
)

// short are the reasons as a narrow cell shows them.
var short = map[string]string{WhyNotServer: "not LLM", WhyRefused: "refused", WhyNotRunning: "not up"}

// Cell is a figure as a table cell: its value, or why it has none (ok is
// false). A nil pod has no source.
func (p *Pod) Cell(figure string) (text string, ok bool) {
	if p == nil {
		return WhyNoSource, false
	}
	switch figure {
	case FigureRSS:
		if p.RSSBytes != nil {
			s := Bytes(*p.RSSBytes)
			if p.RSSSource == SourceWorkingSet {
				s += " ws" // the working set, not RSS: said in the cell
			}
			return s, true
		}
	case FigureTokens:
		switch {
		case p.TokensPerSecond != nil:
			return Rate(*p.TokensPerSecond), true
		case p.InferencesPerSecond != nil:
			return Rate(*p.InferencesPerSecond) + " inf", true
		}
	case FigureGPU:
		if p.GPUUtil != nil {
			return fmt.Sprintf("%.0f%%", *p.GPUUtil), true
		}
	}
	why := p.Why[figure]
	if s, ok := short[why]; ok {
		why = s
	}
	if why == "" {
		why = WhyNoSource
	}
	return why, false
}

// Bytes writes a size in binary units, as kubectl top does.
func Bytes(b float64) string {
	units := []string{"B", "Ki", "Mi", "Gi", "Ti", "Pi"}
	i := 0
	for math.Abs(b) >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 || b >= 100 {
		return fmt.Sprintf("%.0f%s", b, units[i])
	}
	return fmt.Sprintf("%.1f%s", b, units[i])
}

// Rate writes a per-second figure: whole numbers from 10 up.
func Rate(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
