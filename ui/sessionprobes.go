package ui

import (
	"context"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/tiergate/tiergate/audit"
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

// probeState is the session's kernel probes: their verdicts by pod UID,
// fed to every audit; the UIDs being probed; and rev, which counts probe
// results: the same generation audited again with a newer one replaces
// the one on screen.
type probeState struct {
	byUID   map[string]audit.Probed
	running map[string]bool
	rev     uint64
	// queue are the pods P chose that wait for a free slot: at most
	// probesAtOnce of its probes run at once.
	queue []queuedProbe
}

// queuedProbe is a pod P chose, with the probe of its cluster as it was
// then: a :ctx meanwhile must not send it to the cluster on screen.
type queuedProbe struct {
	r     *audit.Result
	probe ProbeFunc
}

// probesAtOnce bounds the probes P runs together (each is an exec, or an
// ephemeral container, through the API server).
const probesAtOnce = 4

// startProbe probes the pod r (p in the table or the detail view).
func (s *session) startProbe(r *audit.Result) tea.Cmd {
	p := &s.probes
	notice := func(text string) tea.Cmd {
		s.out.send(noticeMsg{text: text})
		return nil
	}
	switch {
	case r == nil:
		return nil
	case s.toolsFor(r).Probe == nil:
		return notice("probes need a live cluster (tiergate probe POD)")
	case r.Kind != "Pod" || r.UID == "":
		return notice("p probes a pod; " + r.Kind + " " + r.Name + " is not one (open a pod of it)")
	case p.running[r.UID]:
		return notice("already probing " + r.Namespace + "/" + r.Name)
	case p.byUID[r.UID].Via == probe.ViaEphemeral:
		// Each ephemeral probe leaves a container in the pod's spec.
		return notice(r.Namespace + "/" + r.Name + " was probed this session through an ephemeral container; not adding another")
	}
	if p.running == nil {
		p.running = map[string]bool{}
	}
	p.running[r.UID] = true
	// Probed now, it leaves P's queue: never two probes of one pod.
	p.queue = slices.DeleteFunc(p.queue, func(q queuedProbe) bool { return q.r.UID == r.UID })
	s.out.send(noticeMsg{text: "probing " + r.Namespace + "/" + r.Name + "…"})
	return probeCmd(s.toolsFor(r).Probe, r.Namespace, r.Name, r.UID)
}

// startProbes probes, a few at a time, the pods among rs whose
// RuntimeClass claims more than their node's kernel (P: the rows on
// screen), leaving out those being probed or waiting, and those probed
// through an ephemeral container already.
func (s *session) startProbes(rs []*audit.Result) tea.Cmd {
	p := &s.probes
	if s.tools.Probe == nil && s.fleet == nil {
		s.out.send(noticeMsg{text: "probes need a live cluster (tiergate audit --probe, tiergate probe POD)"})
		return nil
	}
	waiting := map[string]bool{}
	for _, q := range p.queue {
		waiting[q.r.UID] = true
	}
	n := 0
	for _, r := range rs {
		running := r.Status == nil || r.Status.Status == string(corev1.PodRunning) // a probe needs a running container
		fn := s.toolsFor(r).Probe
		if running && audit.ClaimsMoreThanNode(r) && fn != nil && !p.running[r.UID] && !waiting[r.UID] && p.byUID[r.UID].Via != probe.ViaEphemeral {
			p.queue = append(p.queue, queuedProbe{r: r, probe: fn})
			waiting[r.UID] = true
			n++
		}
	}
	if n == 0 {
		s.out.send(noticeMsg{text: "no running pod on screen claims more than its node's kernel (a RuntimeClass of gVisor, a VM or a microVM) and waits for a probe; p probes the selected pod"})
		return nil
	}
	s.out.send(noticeMsg{text: "probing " + itoa(n) + " pod" + textutil.S(n) + " on screen, " + itoa(probesAtOnce) + " at a time…"})
	return s.nextProbes()
}

// nextProbes starts queued probes while slots are free.
func (s *session) nextProbes() tea.Cmd {
	p := &s.probes
	if p.running == nil {
		p.running = map[string]bool{}
	}
	var cmds []tea.Cmd
	for len(p.queue) > 0 && len(p.running) < probesAtOnce {
		q := p.queue[0]
		p.queue = p.queue[1:]
		if r := q.r; !p.running[r.UID] && p.byUID[r.UID].Via != probe.ViaEphemeral { // else p probed it meanwhile
			p.running[r.UID] = true
			cmds = append(cmds, probeCmd(q.probe, r.Namespace, r.Name, r.UID))
		}
	}
	return tea.Batch(cmds...)
}

// onProbed keeps a probe's verdict for the session and audits the data on
// screen again with it, so that the kernel column and TG-ISO-005 show it.
func (s *session) onProbed(m probedMsg) tea.Cmd {
	p := &s.probes
	delete(p.running, m.uid)
	return tea.Batch(s.probeLanded(m), s.nextProbes())
}

func (s *session) probeLanded(m probedMsg) tea.Cmd {
	p := &s.probes
	if m.err != nil {
		msg := textutil.Printable(textutil.OneLine(m.err.Error()))
		s.out.send(noticeMsg{text: "probe " + m.name + " failed (details: enter): " + msg})
		s.out.send(probeErrorMsg{uid: m.uid, text: msg})
		return nil
	}
	s.out.send(probeErrorMsg{uid: m.uid})
	if p.byUID == nil {
		p.byUID = map[string]audit.Probed{}
	}
	// The pod read may be a newer one of the same name: its UID counts.
	uid := m.uid
	if m.rep.UID != "" {
		uid = m.rep.UID
	}
	p.byUID[uid] = probed(m.rep)
	p.rev++
	s.out.send(noticeMsg{text: "probed " + m.name + ": " + m.rep.Verdict.String()})
	switch {
	case s.fleet != nil:
		return s.fleetAudit()
	case s.data.auditing:
		s.data.reaudit = true // the running audit's probes are older
		return nil
	case s.data.snap == nil:
		return nil // the next snapshot's audit includes it
	}
	return s.startAudit(s.data.snap)
}
