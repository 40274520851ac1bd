package ui

import (
	"context"
	"maps"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/probe"
)

// ProbeFunc probes one pod's kernel (a probe.Prober's Probe); nil on
// files. It is only called when the user presses p.
type ProbeFunc func(ctx context.Context, namespace, pod, container string) (*probe.Report, error)

// probeTimeout bounds one probe: an ephemeral container's image may need
// pulling.
const probeTimeout = 2 * time.Minute

// probedMsg carries one probe's report, or why it failed.
type probedMsg struct {
	uid, name string // name: "namespace/pod", for messages
	rep       *probe.Report
	err       error
}

// probeCmd probes off the UI goroutine; the pod is captured when the
// command is made.
func probeCmd(fn ProbeFunc, namespace, pod, uid string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		defer cancel()
		rep, err := fn(ctx, namespace, pod, "")
		return probedMsg{uid: uid, name: namespace + "/" + pod, rep: rep, err: err}
	}
}

// probed is a report as the audit takes it.
func probed(rep *probe.Report) audit.Probed {
	return audit.Probed{Verdict: rep.Verdict, Via: rep.Via, Container: rep.Container}
}

// auditCmd audits a snapshot with the probes known so far.
func (a *App) auditCmd(s *cluster.Snapshot) tea.Cmd {
	return auditCmd(a.cfg.Engine, s, maps.Clone(a.probes), a.probeRev, a.epoch, a.cfg.Now())
}

// startProbe probes the pod r (p in the table or the detail view).
func (a *App) startProbe(r *audit.Result) tea.Cmd {
	switch {
	case r == nil:
		return nil
	case a.cfg.Probe == nil:
		a.notice = "probes need a live cluster (tiergate probe POD)"
		return nil
	case r.Kind != "Pod" || r.UID == "":
		a.notice = "p probes a pod; " + r.Kind + " " + r.Name + " is not one (open a pod of it)"
		return nil
	case a.probing[r.UID]:
		a.notice = "already probing " + r.Namespace + "/" + r.Name
		return nil
	case a.probes[r.UID].Via == probe.ViaEphemeral:
		// Each ephemeral probe leaves a container in the pod's spec.
		a.notice = r.Namespace + "/" + r.Name + " was probed this session through an ephemeral container; not adding another"
		return nil
	}
	if a.probing == nil {
		a.probing = map[string]bool{}
	}
	a.probing[r.UID] = true
	a.notice = "probing " + r.Namespace + "/" + r.Name + "…"
	return probeCmd(a.cfg.Probe, r.Namespace, r.Name, r.UID)
}

// onProbed keeps a probe's verdict for the session and audits the data on
// screen again with it, so that the kernel column and TG-ISO-005 show it.
func (a *App) onProbed(m probedMsg) tea.Cmd {
	delete(a.probing, m.uid)
	if m.err != nil {
		msg := textutil.Printable(textutil.OneLine(m.err.Error()))
		a.notice = "probe " + m.name + " failed (details: enter): " + msg
		a.detail.SetProbeError(m.uid, msg)
		return nil
	}
	a.detail.SetProbeError(m.uid, "")
	if a.probes == nil {
		a.probes = map[string]audit.Probed{}
	}
	// The pod read may be a newer one of the same name: its UID counts.
	uid := m.uid
	if m.rep.UID != "" {
		uid = m.rep.UID
	}
	a.probes[uid] = probed(m.rep)
	a.probeRev++
	a.notice = "probed " + m.name + ": " + m.rep.Verdict.String()
	switch {
	case a.auditing:
		a.reaudit = true // the running audit's probes are older
		return nil
	case a.snap == nil:
		return nil // the next snapshot's audit includes it
	}
	a.auditing = true
	return a.auditCmd(a.snap)
}
