package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/bench"
)

// BenchFormats are the formats RenderBench writes.
func BenchFormats() []string { return []string{"table", "wide", "json", "csv", "markdown"} }

// RenderBench writes a bench result.
func RenderBench(w io.Writer, res *bench.Result, format string) error {
	switch format {
	case "", "table":
		return benchTable(w, res, false)
	case "wide":
		return benchTable(w, res, true)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "csv":
		return benchCSV(w, res)
	case "markdown", "md":
		return benchMarkdown(w, res)
	}
	return fmt.Errorf("unknown output format %q (want %s)", format, strings.Join(BenchFormats(), ", "))
}

// baseline is the reference every target's cold start is compared with:
// the default runtime when it was measured.
func baseline(res *bench.Result) time.Duration {
	for _, t := range res.Targets {
		if t.Target.Class == "" && t.Sequential != nil {
			return t.Sequential.Ready.P50
		}
	}
	return 0
}

func benchTable(w io.Writer, res *bench.Result, wide bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	base := baseline(res)
	// The default fits 80 columns: the cold start and its cost; wide adds
	// each phase and the first log line.
	cols := func(s *bench.Summary) []string {
		c := []string{dur(s.Ready.P50), dur(s.Ready.P95), dur(s.Ready.Max)}
		if wide {
			c = append([]string{dur(s.Schedule.P50), dur(s.Sandbox.P50), dur(s.Containers.P50)}, append(c, dur(s.FirstLog.P50))...)
		}
		return c
	}
	head := []string{"READY p50", "READY p95", "READY max"}
	if wide {
		head = append([]string{"SCHEDULE p50", "SANDBOX p50", "CONTAINERS p50"}, append(head, "FIRST LOG p50")...)
	}
	fmt.Fprintf(tw, "RUNTIME\tISOLATION\tRUNS\tFAILED\t%s\tVS %s\n", strings.Join(head, "\t"), strings.ToUpper(bench.DefaultTarget))
	var skipped, failures []string
	for _, t := range res.Targets {
		s := t.Sequential
		if t.Target.Skip != "" {
			skipped = append(skipped, t.Target.Name+": "+t.Target.Skip)
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t%sskipped\n", t.Target.Name, iso(t.Target), strings.Repeat("-\t", len(head)))
			continue
		}
		if s == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", t.Target.Name, iso(t.Target), s.Runs, s.Failed, strings.Join(cols(s), "\t"), bar(s.Ready.P50, base))
		failures = append(failures, failureLines(t.Target.Name+": ", s.Failures)...)
		if b := t.Burst; b != nil {
			fmt.Fprintf(tw, "  burst of %d\t\t%d\t%d\t%s\n", b.Runs, b.Runs, b.Failed, strings.Join(cols(b), "\t"))
			failures = append(failures, failureLines(fmt.Sprintf("%s (burst of %d): ", t.Target.Name, b.Runs), b.Failures)...)
		}
		failures = append(failures, loadFailureLines(t.Target.Name+" (load): ", t.Steady.LoadResult())...)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := steadyTable(w, res, wide); err != nil {
		return err
	}
	for _, block := range []struct {
		title string
		lines []string
	}{{"Failures", failures}, {"Skipped", skipped}, {"Notes", res.Notes}} {
		if len(block.lines) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", block.title)
		for _, l := range block.lines {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	return nil
}

// failureLines lists failure reasons, most frequent first, each line
// starting with label.
func failureLines(label string, failures map[string]int) []string {
	reasons := make([]string, 0, len(failures))
	for r := range failures {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b string) int {
		if d := failures[b] - failures[a]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	out := make([]string, 0, len(reasons))
	for _, r := range reasons {
		out = append(out, fmt.Sprintf("%s%d× %s", label, failures[r], r))
	}
	return out
}

func iso(t bench.Target) string {
	if t.Isolation == "" {
		return "-"
	}
	return string(t.Isolation)
}

// dur writes a duration in milliseconds below a second, else in seconds
// to the hundredth (a cold start is read in seconds).
func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
}

// bar draws the cold start against the baseline's: one block per half
// of the baseline, at most 20, and the ratio.
func bar(d, base time.Duration) string {
	if d <= 0 || base <= 0 {
		return "-"
	}
	ratio := float64(d) / float64(base)
	n := min(max(int(ratio*2+0.5), 1), 20)
	if ratio < 0.1 {
		return strings.Repeat("█", n) + " <0.1×"
	}
	return strings.Repeat("█", n) + " " + strconv.FormatFloat(ratio, 'f', 1, 64) + "×"
}

func benchCSV(w io.Writer, res *bench.Result) error {
	cw := csv.NewWriter(w)
	head := []string{"runtime", "runtimeClassName", "handler", "isolation", "mode", "runs", "failed", "failures", "skip"}
	for _, ph := range []string{"schedule", "sandbox", "containers", "ready", "first_log"} {
		head = append(head, ph+"_p50_ms", ph+"_p95_ms", ph+"_max_ms")
	}
	head = append(head, steadyCSVHead...)
	base := res.Baseline()
	if err := cw.Write(head); err != nil {
		return err
	}
	row := func(t bench.Target, mode string, s *bench.Summary) []string {
		if s == nil {
			mode = "skipped"
		}
		r := []string{t.Name, t.Class, t.Handler, string(t.Isolation), mode}
		if s == nil {
			r = append(r, "", "", "", t.Skip)
			for range 15 {
				r = append(r, "")
			}
			return r
		}
		r = append(r, strconv.Itoa(s.Runs), strconv.Itoa(s.Failed), strings.Join(failureLines("", s.Failures), "; "), t.Skip)
		for _, d := range []bench.Dist{s.Schedule, s.Sandbox, s.Containers, s.Ready, s.FirstLog} {
			r = append(r, ms(d.P50), ms(d.P95), ms(d.Max))
		}
		return r
	}
	for i := range res.Targets {
		t := &res.Targets[i]
		// The steady pod's figures ride on the target's first row.
		if err := cw.Write(append(row(t.Target, "sequential", t.Sequential), steadyCSV(t, base)...)); err != nil {
			return err
		}
		if t.Burst != nil {
			if err := cw.Write(append(row(t.Target, "burst", t.Burst), make([]string, len(steadyCSVHead))...)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func ms(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return strconv.FormatInt(d.Milliseconds(), 10)
}

// benchMarkdown writes the field's benchmark table with what this run
// measured, and says where and how it was measured.
func benchMarkdown(w io.Writer, res *bench.Result) error {
	var b strings.Builder
	base := res.Baseline()
	b.WriteString("| Runtime | Isolation | Cold start p50 | Cold start p95 | Tokens/s | RSS overhead | Notes |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	for i := range res.Targets {
		t := &res.Targets[i]
		name := t.Target.Name
		if t.Target.Handler != "" && t.Target.Handler != t.Target.Name {
			name += " (`" + t.Target.Handler + "`)"
		}
		var notes []string
		p50, p95 := "skipped", "skipped"
		if t.Target.Skip != "" {
			notes = append(notes, "skipped: "+t.Target.Skip)
		} else if s := t.Sequential; s != nil {
			p50, p95 = dur(s.Ready.P50), dur(s.Ready.P95)
			if s.Sandbox.N > 0 {
				notes = append(notes, "sandbox p50 "+dur(s.Sandbox.P50))
			}
			if s.Failed > 0 {
				notes = append(notes, fmt.Sprintf("%d of %d failed: %s", s.Failed, s.Runs, strings.Join(failureLines("", s.Failures), "; ")))
			}
			if bs := t.Burst; bs != nil {
				notes = append(notes, fmt.Sprintf("burst of %d: p50 %s, p95 %s", bs.Runs, dur(bs.Ready.P50), dur(bs.Ready.P95)))
			}
		}
		if len(t.Target.Overhead) > 0 {
			notes = append(notes, "declared overhead "+overhead(t.Target))
		}
		tokens, memory := mdSteady(t, base)
		if l := t.Steady.LoadResult(); l != nil && l.Failed > 0 {
			notes = append(notes, fmt.Sprintf("load: %d of %d requests failed: %s", l.Failed, l.Requests, strings.Join(loadFailureLines("", l), "; ")))
		}
		if st := t.Steady; st != nil && st.Failure != "" {
			notes = append(notes, "server pod did not start: "+st.Failure)
		}
		if st := t.Steady; st != nil && st.Stopped != "" {
			notes = append(notes, stoppedText(st))
		}
		if m := engineMismatch(t.Steady.LoadResult()); m != "" {
			notes = append(notes, m)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", mdCell(name), iso(t.Target), p50, p95, tokens, memory, mdCell(strings.Join(notes, "; ")))
	}
	b.WriteString("\n")
	writeMethod(&b, res)
	_, err := io.WriteString(w, b.String())
	return err
}

func overhead(t bench.Target) string {
	keys := make([]string, 0, len(t.Overhead))
	for k := range t.Overhead {
		keys = append(keys, string(k))
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		q := t.Overhead[corev1.ResourceName(k)]
		parts = append(parts, k+" "+q.String())
	}
	return strings.Join(parts, ", ")
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func writeMethod(b *strings.Builder, res *bench.Result) {
	env := res.Environment
	fmt.Fprintf(b, "Measured by `tiergate bench` on %s", res.Started.UTC().Format("2006-01-02"))
	if env != nil && env.Context != "" {
		fmt.Fprintf(b, ", cluster context `%s`", env.Context)
	}
	b.WriteString(". Cold start: pod created → containers ready, ")
	b.WriteString("timed from the watch's deliveries of the pod's conditions; p50 and p95 by nearest rank over the sequential runs.")
	if env != nil {
		fmt.Fprintf(b, " Image `%s`", env.Image)
		if env.GPUs > 0 {
			fmt.Fprintf(b, ", %d GPU(s) per pod", env.GPUs)
		}
		b.WriteString(".\n")
		if len(env.Nodes) > 0 {
			b.WriteString("\nNodes:\n\n")
			for _, n := range env.Nodes {
				fmt.Fprintf(b, "- %s", n.Name)
				var facts []string
				for _, f := range []string{n.InstanceType, n.Runtime, n.Kernel, n.OSImage} {
					if f != "" {
						facts = append(facts, f)
					}
				}
				if len(n.Handlers) > 0 {
					facts = append(facts, "handlers "+strings.Join(n.Handlers, ", "))
				}
				if len(facts) > 0 {
					b.WriteString(": " + strings.Join(facts, "; "))
				}
				b.WriteString("\n")
			}
		}
	} else {
		b.WriteString("\n")
	}
	writeSteadyMethod(b, res)
	for _, n := range res.Notes {
		fmt.Fprintf(b, "\nNote: %s\n", n)
	}
}
