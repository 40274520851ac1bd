package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tiergate/tiergate/bench"
)

// BenchProgress is tiergate bench's live view: a bar per runtime, the
// elapsed time and an estimate of what is left. ctrl+c stops the bench
// (Cancel), which then cleans up while the view says so.
type BenchProgress struct {
	rows      []benchRow
	started   time.Time
	now       time.Time
	width     int
	stopping  bool
	cleaning  string // the namespace being deleted, once measuring ended
	done      bool
	interrupt key.Binding
	// cancel stops the bench; called once, from Update.
	cancel func()
}

type benchRow struct {
	name        string
	total, done int
	failed      int
	last        time.Duration
	stage       string // what the steady pod is doing, until it is done
}

// BenchPodMsg is one finished bench pod.
type BenchPodMsg bench.Progress

// BenchCleaningMsg says measuring has ended and the bench deletes its
// namespace (which waits for the namespace controller).
type BenchCleaningMsg struct{ Namespace string }

// BenchDoneMsg ends the view: the bench has returned and cleaned up.
type BenchDoneMsg struct{}

type benchTickMsg time.Time

// NewBenchProgress shows the measured targets, each with pods pods (its
// cold starts, and the steady pod where there is one).
func NewBenchProgress(targets []bench.Target, pods int, started time.Time, cancel func()) *BenchProgress {
	m := &BenchProgress{started: started, now: started, width: 80, cancel: cancel,
		interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "stop and clean up"))}
	for _, t := range targets {
		if t.Skip == "" {
			m.rows = append(m.rows, benchRow{name: t.Name, total: pods})
		}
	}
	return m
}

func benchTick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return benchTickMsg(t) })
}

// Init starts the clock.
func (m *BenchProgress) Init() tea.Cmd { return benchTick() }

// Update takes finished pods, the clock, the size and ctrl+c.
func (m *BenchProgress) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width = msg.Width
	case benchTickMsg:
		m.now = time.Time(msg)
		if !m.done {
			return m, benchTick()
		}
	case BenchPodMsg:
		m.observe(bench.Progress(msg))
	case BenchCleaningMsg:
		m.cleaning = msg.Namespace
	case BenchDoneMsg:
		m.done = true
		return m, tea.Quit
	case tea.KeyPressMsg:
		if key.Matches(msg, m.interrupt) && !m.stopping {
			m.stopping = true
			if m.cancel != nil {
				m.cancel()
			}
		}
	}
	return m, nil
}

func (m *BenchProgress) observe(p bench.Progress) {
	for i := range m.rows {
		r := &m.rows[i]
		if r.name != p.Target {
			continue
		}
		if p.Stage != "" {
			r.stage = p.Stage
			return
		}
		if p.Skipped {
			r.total = max(r.total-1, r.done)
			return
		}
		r.stage = ""
		r.done++
		if p.Timeline.Failure != "" {
			r.failed++
			return
		}
		r.last = p.Timeline.Phases().Ready
		return
	}
}

// Stopping says ctrl+c was pressed.
func (m *BenchProgress) Stopping() bool { return m.stopping }

// View draws one line of totals and a bar per runtime.
func (m *BenchProgress) View() tea.View {
	var b strings.Builder
	done, total := 0, 0
	for _, r := range m.rows {
		done, total = done+r.done, total+r.total
	}
	elapsed := m.now.Sub(m.started).Truncate(time.Second)
	fmt.Fprintf(&b, "tiergate bench: %d/%d pods · elapsed %s", done, total, elapsed)
	if eta, ok := m.eta(elapsed, done, total); ok {
		fmt.Fprintf(&b, " · about %s left", eta)
	}
	b.WriteString("\n")
	nameW := 0
	for _, r := range m.rows {
		nameW = max(nameW, len(r.name))
	}
	barW := max(m.width-nameW-36, 10)
	bar := progress.New(progress.WithWidth(barW), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))
	for _, r := range m.rows {
		pct := 0.0
		if r.total > 0 {
			pct = float64(r.done) / float64(r.total)
		}
		fmt.Fprintf(&b, "%-*s %s %3d/%-3d", nameW, r.name, bar.ViewAs(pct), r.done, r.total)
		switch {
		case r.stage != "":
			// The row's room is the width less the name, the bar and the
			// count: a long stage is cut, never wrapped.
			fmt.Fprintf(&b, " %s", ansi.Truncate(r.stage, max(m.width-nameW-barW-10, 10), "…"))
		case r.failed > 0:
			fmt.Fprintf(&b, " %d failed", r.failed)
		case r.last > 0:
			fmt.Fprintf(&b, " last %s", r.last.Round(10*time.Millisecond))
		}
		b.WriteString("\n")
	}
	switch {
	case m.cleaning != "":
		b.WriteString("cleaning up: deleting namespace " + m.cleaning + "…\n")
	case m.stopping:
		b.WriteString("stopping…\n")
	case !m.done:
		b.WriteString(m.interrupt.Help().Key + " " + m.interrupt.Help().Desc + "\n")
	}
	return tea.NewView(b.String())
}

// eta extrapolates the elapsed time per finished pod over the pods left:
// rough (slower runtimes come last), so it is said as "about".
func (m *BenchProgress) eta(elapsed time.Duration, done, total int) (time.Duration, bool) {
	if done == 0 || done >= total {
		return 0, false
	}
	per := elapsed / time.Duration(done)
	return (per * time.Duration(total-done)).Round(time.Second), true
}
