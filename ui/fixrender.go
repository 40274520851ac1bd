package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/internal/textutil"
)

func (f *fixView) render() string {
	var b strings.Builder
	wrap := lipgloss.NewStyle().Width(max(20, f.width-4))
	text := func(indent string, s string, st lipgloss.Style) {
		for _, l := range strings.Split(wrap.Render(textutil.Printable(s)), "\n") {
			b.WriteString(indent + st.Render(strings.TrimRight(l, " ")) + "\n")
		}
	}
	// block writes YAML or a diff as it is, one line each: wrapping would
	// change its meaning.
	block := func(s string, diff bool) {
		for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
			st := lipgloss.NewStyle()
			switch {
			case diff && strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++"):
				st = f.styles.OK
			case diff && strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---"):
				st = f.styles.Below
			}
			b.WriteString("    " + st.Render(textutil.Printable(l)) + "\n")
		}
	}
	plain := lipgloss.NewStyle()
	title := "FIX  " + f.name
	if f.cluster != "" {
		title += "  in cluster " + f.cluster
	}
	b.WriteString(f.styles.Header.Render(textutil.Printable(title)) + "\n")
	switch {
	case f.stage == fixComputing:
		text("  ", "computing the fix and auditing the changed object…", f.styles.Dim)
		return b.String()
	case f.err != nil:
		text("  ", "cannot compute the fix: "+f.err.Error(), f.styles.Error)
		return b.String()
	case len(f.res.Fixes) == 0 && len(f.res.Manual) == 0:
		text("  ", "nothing to fix", f.styles.OK)
	}
	for _, fx := range f.res.Fixes {
		b.WriteString("\n")
		text("  ", "["+string(fx.Kind)+"] "+fx.Plan, f.styles.Header)
		if len(fx.Resolves) > 0 {
			var ids []string
			for _, r := range fx.Resolves {
				ids = append(ids, r.Rule)
			}
			text("    ", "resolves "+strings.Join(dedupe(ids), ", "), plain)
		}
		for _, w := range fx.Warnings {
			text("    ", "warning: "+w, f.styles.Stale)
		}
		switch {
		case fx.Object != nil:
			text("    ", "create "+fx.Target.String()+":", f.styles.Dim)
			block(string(fx.Manifest), false)
		default:
			y, err := yaml.JSONToYAML(fx.Patch)
			if err != nil {
				text("    ", err.Error(), f.styles.Error)
				continue
			}
			verb := "patch "
			if fx.Recreate {
				verb = "recreate (a " + fx.Target.Kind + "'s pod spec cannot change in place) "
			}
			text("    ", verb+fx.Target.String()+":", f.styles.Dim)
			block(string(y), false)
		}
	}
	if len(f.res.Manual) > 0 {
		b.WriteString("\n" + f.styles.Header.Render("LEFT TO A HUMAN") + "\n")
		for _, m := range f.res.Manual {
			text("  ", m.Rule+": "+m.Message, plain)
			text("    ", "why: "+m.Reason, f.styles.Dim)
		}
	}
	for _, s := range f.skipped {
		text("  ", "not applied here: "+s.Target.String()+": "+s.Reason, f.styles.Stale)
	}
	if len(f.dry) > 0 || f.stage == fixDryRunning {
		b.WriteString("\n" + f.styles.Header.Render("SERVER DRY RUN") + "\n")
		if f.stage == fixDryRunning {
			text("  ", "running…", f.styles.Dim)
		}
		for _, o := range f.dry {
			t := o.Item.Target.String()
			if o.GitOps != nil {
				text("  ", "note: "+t+" is "+o.GitOps.Note(), f.styles.Stale)
			}
			if o.NeedsOwnership() {
				text("  ", t+": fields another manager owns (o takes them; the diff shows it):", f.styles.Stale)
				for _, c := range o.Conflicts {
					text("    ", c.String(), f.styles.Stale)
				}
			}
			for _, w := range o.Warnings {
				text("  ", "server warning, "+t+": "+w, f.styles.Stale)
			}
			switch {
			case o.Err != nil:
				text("  ", "failed: "+o.Err.Error(), f.styles.Error)
			case o.Skipped != "":
				text("  ", "not sent "+t+": "+o.Skipped, f.styles.Stale)
			case !o.Changed:
				text("  ", "unchanged "+t, f.styles.Dim)
			default:
				block(o.Diff, true)
			}
		}
	}
	if f.stage == fixApplying || len(f.applied) > 0 {
		b.WriteString("\n" + f.styles.Header.Render("APPLIED") + "\n")
		if f.stage == fixApplying {
			text("  ", "applying…", f.styles.Dim)
		}
		for _, o := range f.applied {
			t := o.Item.Target.String()
			switch {
			case o.Err != nil:
				text("  ", "failed: "+o.Err.Error(), f.styles.Error)
			case o.Skipped != "":
				text("  ", "not applied "+t+": "+o.Skipped, f.styles.Stale)
			case o.Created:
				text("  ", "created "+t, f.styles.OK)
			case o.Item.Force:
				text("  ", "applied "+t+", taking ownership of the fields listed above", f.styles.OK)
			default:
				text("  ", "applied "+t, f.styles.OK)
			}
			// The apply warns as its dry run did: only what is new.
			for _, w := range applier.NewWarnings(f.dryWarnings(o.Item.Target), o) {
				text("  ", "server warning, "+t+": "+w, f.styles.Stale)
			}
		}
		if f.stage == fixDone {
			text("  ", "new pods replace the old ones as the rollout goes; the table follows them", f.styles.Dim)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// hint is the status line for the fix view.
func (f *fixView) hint() string {
	switch f.stage {
	case fixComputing:
		return "computing the fix…"
	case fixDryRunning:
		return "server dry run…"
	case fixApplying:
		return "applying…"
	case fixConfirm:
		ready := f.ready()
		n := len(ready)
		// A change whose pods would stay Pending is named in the question
		// itself: y is a yes to that too.
		pending := ""
		if p := len(applier.Pending(ready)); p > 0 {
			pending = fmt.Sprintf(" (%d leaving pods Pending)", p)
		}
		if c := f.conflicts(); c > 0 {
			// Short enough for 80 columns: the fields and their managers
			// are listed with the dry run.
			yes := ""
			if clean := len(f.chosen(false)); clean > 0 {
				yes = fmt.Sprintf("y %d without conflicts · ", clean)
			}
			return fmt.Sprintf("apply%s?  %so all %d, taking %d field%s · n no", pending, yes, n, c, textutil.S(c))
		}
		if p := len(applier.Pending(ready)); p > 0 {
			return fmt.Sprintf("apply %d change%s as %q, %d leaving pods Pending?  y yes, anyway · n no", n, textutil.S(n), applier.FieldManager, p)
		}
		if f.cluster != "" { // the fleet: which cluster is written
			return fmt.Sprintf("apply %d change%s to %s as %q?  y yes · n no", n, textutil.S(n), textutil.Printable(f.cluster), applier.FieldManager)
		}
		return fmt.Sprintf("apply %d change%s with server-side apply as %q?  y yes · n no", n, textutil.S(n), applier.FieldManager)
	}
	if f.canApply && len(f.items) > 0 && f.stage == fixShown {
		return "a server dry run, then apply · esc back · ↑/↓ scroll"
	}
	return "esc back · ↑/↓ scroll"
}

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}
