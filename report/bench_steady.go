package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tiergate/tiergate/bench"
	"github.com/tiergate/tiergate/metrics"
)

// hasSteady says whether any steady pod measured something or failed:
// a table of dashes would say less than the notes below it.
func hasSteady(res *bench.Result) bool {
	for _, t := range res.Targets {
		if st := t.Steady; st != nil && (st.Load != nil || st.Memory != nil || st.Failure != "") {
			return true
		}
	}
	return false
}

// steadyTable is the second table: each target's server throughput under
// the load (when the image is a server) and its whole pod's memory,
// against the default runtime's.
func steadyTable(w io.Writer, res *bench.Result, wide bool) error {
	if !hasSteady(res) {
		return nil
	}
	base := res.Baseline()
	loaded := res.Environment != nil && res.Environment.Load != nil
	var head []string
	head = append(head, "RUNTIME")
	if loaded {
		head = append(head, "TOKENS/S", "VS "+strings.ToUpper(bench.DefaultTarget), "TTFT p50", "TTFT p95")
	}
	head = append(head, "MEMORY", "OVERHEAD")
	if wide && loaded {
		head = append(head, "REQUESTS", "FAILED", "ENGINE COUNT")
	}
	if wide {
		head = append(head, "DECLARED")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for i := range res.Targets {
		t := &res.Targets[i]
		st := t.Steady
		if st == nil {
			continue
		}
		cells := []string{t.Target.Name}
		load := []string{"-", "-", "-", "-"}
		more := []string{"-", "-", "-"}
		switch l := st.Load; {
		case l != nil:
			load = []string{tokensCell(l), ratio(l.TokensPerSecond, base.Tokens()), dur(l.TTFT.P50), dur(l.TTFT.P95)}
			more[0], more[1] = strconv.Itoa(l.Requests), strconv.Itoa(l.Failed)
			if l.Engine != nil {
				more[2] = strconv.FormatFloat(l.Engine.Tokens, 'f', 0, 64) + " vs " + strconv.Itoa(l.CompletionTokens)
			}
		case st.Failure != "":
			load[0] = "failed"
		case st.Stopped != "":
			load[0] = "stopped"
		}
		if loaded {
			cells = append(cells, load...)
		}
		cells = append(cells, memoryCell(t.Memory()), overheadCell(t, base))
		if wide && loaded {
			cells = append(cells, more...)
		}
		if wide {
			decl := "-"
			if len(t.Target.Overhead) > 0 {
				decl = overhead(t.Target)
			}
			cells = append(cells, decl)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range res.Targets {
		if st := t.Steady; st != nil && st.Failure != "" {
			fmt.Fprintf(w, "  %s: the steady pod did not start: %s\n", t.Target.Name, st.Failure)
		}
		if st := t.Steady; st != nil && st.Stopped != "" {
			fmt.Fprintf(w, "  %s: %s\n", t.Target.Name, stoppedText(st))
		}
		if m := engineMismatch(t.Steady.LoadResult()); m != "" {
			fmt.Fprintf(w, "  %s: %s\n", t.Target.Name, m)
		}
	}
	return nil
}

// tokensCell is the load's tokens/s, or "failed" where no request
// completed: 0 tokens/s would read as a runtime that serves nothing.
func tokensCell(l *bench.LoadResult) string {
	if l.CompletionTokens == 0 {
		return "failed"
	}
	return strconv.FormatFloat(l.TokensPerSecond, 'f', 1, 64)
}

// stoppedText says that a server died during its load, and that nothing
// of it is counted.
func stoppedText(st *bench.Steady) string {
	return "the server stopped during the load: " + st.Stopped + "; its tokens/s and memory are not counted"
}

// engineMismatch is the cross-check's verdict: where the engine's own
// counter and the stream's count differ by more than 5%, it says so (the
// counts are otherwise only shown, in -o wide); "" where they agree or
// there is nothing to compare.
func engineMismatch(l *bench.LoadResult) string {
	if l == nil || l.Engine == nil || l.CompletionTokens == 0 {
		return ""
	}
	stream := float64(l.CompletionTokens)
	if math.Abs(l.Engine.Tokens-stream) <= 0.05*stream {
		return ""
	}
	return fmt.Sprintf("%s counted %.0f tokens generated, the stream %d (from %s): the tokens/s may be off", l.Engine.Name, l.Engine.Tokens, l.CompletionTokens, l.TokensFrom)
}

// ratio is a target's figure over the baseline's ("0.85×"); "-" without
// either.
func ratio(v, base float64) string {
	if v <= 0 || base <= 0 {
		return "-"
	}
	return strconv.FormatFloat(v/base, 'f', 2, 64) + "×"
}

// memoryCell is the pod's figure and what it is ("3.10GiB RSS").
func memoryCell(m *metrics.PodMemory) string {
	v, what := bench.MemoryFigure(m)
	if what == "" {
		return "-"
	}
	return metrics.Bytes(v) + " " + what
}

// overheadCell is what the pod holds beyond the default runtime's.
func overheadCell(t, base *bench.TargetResult) string {
	if base == nil || t == base {
		return "-"
	}
	d, _, ok := bench.MemoryOverhead(t.Memory(), base.Memory())
	if !ok {
		return "-"
	}
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	return sign + metrics.Bytes(d)
}

// steadyCSVHead are the steady pod's columns, on each target's first row.
var steadyCSVHead = []string{"tokens_per_s", "tokens_vs_baseline", "ttft_p50_ms", "ttft_p95_ms", "load_requests", "load_failed", "tokens_from", "engine_tokens",
	"memory_rss_bytes", "memory_working_set_bytes", "memory_source", "memory_overhead_bytes", "memory_overhead_of", "steady_failure"}

func steadyCSV(t, base *bench.TargetResult) []string {
	r := make([]string, len(steadyCSVHead))
	st := t.Steady
	if st == nil {
		return r
	}
	if l := st.Load; l != nil {
		// No request completed: no rate, not a rate of 0.
		if l.CompletionTokens > 0 {
			r[0] = strconv.FormatFloat(l.TokensPerSecond, 'f', 2, 64)
		}
		if v := ratio(l.TokensPerSecond, base.Tokens()); v != "-" {
			r[1] = strings.TrimSuffix(v, "×")
		}
		r[2], r[3] = ms(l.TTFT.P50), ms(l.TTFT.P95)
		r[4], r[5], r[6] = strconv.Itoa(l.Requests), strconv.Itoa(l.Failed), l.TokensFrom
		if l.Engine != nil {
			r[7] = strconv.FormatFloat(l.Engine.Tokens, 'f', 0, 64)
		}
	}
	if m := st.Memory; m != nil {
		if m.RSS > 0 {
			r[8] = strconv.FormatFloat(m.RSS, 'f', 0, 64)
		}
		if m.WorkingSet > 0 {
			r[9] = strconv.FormatFloat(m.WorkingSet, 'f', 0, 64)
		}
		r[10] = m.Source
		if base != nil && t != base {
			if d, what, ok := bench.MemoryOverhead(m, base.Memory()); ok {
				r[11], r[12] = strconv.FormatFloat(d, 'f', 0, 64), what
			}
		}
	}
	r[13] = st.Failure
	if st.Stopped != "" {
		r[13] = stoppedText(st)
	}
	return r
}

// mdSteady are the field table's Tokens/s and RSS overhead cells.
func mdSteady(t, base *bench.TargetResult) (string, string) {
	tokens, memory := "not measured", "not measured"
	if t.Target.Skip != "" {
		return "skipped", "skipped"
	}
	if l := t.Steady.LoadResult(); l != nil && l.CompletionTokens == 0 {
		tokens = fmt.Sprintf("failed: none of %d requests completed", l.Requests)
	} else if l != nil {
		tokens = strconv.FormatFloat(l.TokensPerSecond, 'f', 1, 64) + " (TTFT p50 " + dur(l.TTFT.P50) + ", p95 " + dur(l.TTFT.P95) + ")"
	}
	m := t.Memory()
	v, what := bench.MemoryFigure(m)
	switch {
	case what == "":
	case base == t:
		memory = "baseline: " + metrics.Bytes(v) + " " + what
	default:
		if _, _, ok := bench.MemoryOverhead(m, base.Memory()); ok {
			memory = overheadCell(t, base) + " (" + metrics.Bytes(v) + " " + what + ")"
		} else if base.Memory() == nil {
			memory = metrics.Bytes(v) + " " + what + ", no " + bench.DefaultTarget + " figure to compare"
		} else {
			memory = metrics.Bytes(v) + " " + what + ", not comparable with " + bench.DefaultTarget + "'s (another figure or source)"
		}
	}
	return tokens, memory
}

// writeSteadyMethod says how tokens/s and memory were measured, or that
// they were not.
func writeSteadyMethod(b *strings.Builder, res *bench.Result) {
	env := res.Environment
	if env != nil && env.Load != nil {
		l := env.Load
		model := l.Model
		if model == "" {
			model = "the server's first model"
		}
		fmt.Fprintf(b, "\nTokens/s: %s serving %s, started under each runtime and driven once ready through a port-forward with %d streamed chat completions, %d at a time, at most %d tokens each, prompts drawn from seed %d; generated tokens over the load's wall time, time to first token p50 and p95.\n",
			l.Engine, model, l.Prompts, l.Concurrency, l.MaxTokens, l.Seed)
	} else {
		b.WriteString("\nTokens/s: not measured (the image is no LLM server; see --image and --engine).\n")
	}
	if hasMemory(res) {
		b.WriteString("\nRSS overhead: the whole pod's memory (its cgroup, which holds a sandbox's own processes) as the node's kubelet reports it, read once the pod is ready")
		if env != nil && env.Load != nil {
			b.WriteString(" and loaded")
		}
		b.WriteString(", minus the same image's under " + bench.DefaultTarget + "; the RuntimeClass's declared overhead is in the notes.\n")
	}
}

func hasMemory(res *bench.Result) bool {
	for i := range res.Targets {
		if res.Targets[i].Memory() != nil {
			return true
		}
	}
	return false
}

// loadFailureLines lists the load's failed requests by reason, most
// frequent first.
func loadFailureLines(prefix string, l *bench.LoadResult) []string {
	if l == nil || l.Failed == 0 {
		return nil
	}
	return failureLines(prefix, l.Failures)
}
