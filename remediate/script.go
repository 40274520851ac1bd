package remediate

import (
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/types"

	"github.com/tiergate/tiergate/internal/textutil"
)

// ScriptOptions tune the reviewable shell script of -o patch.
type ScriptOptions struct {
	// Kubectl is the command the script runs, with the context flags the
	// user gave ("kubectl --context prod"); "kubectl" when empty.
	Kubectl string
	// Source says what was audited, for the header ("files deploy/").
	Source string
	// Hold says which held-back changes to include, as for --apply: the
	// others are written as commented-out commands with the reason.
	Hold HoldOptions
	// Notes are what to know about a target before changing it live (a
	// GitOps tool that manages it), written above its commands.
	Notes map[Target]string
}

// WriteScript writes the fixes as a shell script to review and run:
// kubectl patch commands for existing objects, kubectl apply of the
// objects to create, the changes held back (Hold) as commented-out
// commands with the reason, and the findings left to a human as
// comments.
func WriteScript(w io.Writer, res *Result, o ScriptOptions) error {
	kubectl := o.Kubectl
	if kubectl == "" {
		kubectl = "kubectl"
	}
	plan, err := Hold(res, o.Hold)
	if err != nil {
		return err
	}
	held := make(map[int]Held, len(plan.Held))
	for _, h := range plan.Held {
		held[h.Index] = h
	}
	b := &strings.Builder{}
	b.WriteString("#!/bin/sh\n# tiergate fix: review every command, then run this script.\n")
	if o.Source != "" {
		b.WriteString("# Audited: " + comment(o.Source) + "\n")
	}
	fmt.Fprintf(b, "# %d fix%s", len(res.Fixes), textutil.Plural(len(res.Fixes), "", "es"))
	if n := len(plan.Held); n > 0 {
		fmt.Fprintf(b, ", %d held back (commented out, with the reason)", n)
	}
	fmt.Fprintf(b, ", %d finding%s left to a human (listed at the end).\nset -eu\n", len(res.Manual), textutil.Plural(len(res.Manual), "", "s"))
	changes := map[Target]Change{}
	for _, c := range res.Changes {
		changes[c.Target] = c
	}
	last := ""
	noted := map[Target]bool{}
	for i, f := range res.Fixes {
		if f.Workload != last {
			fmt.Fprintf(b, "\n# ── %s\n", comment(f.Workload))
			last = f.Workload
		}
		if note := o.Notes[f.Target]; note != "" && !noted[f.Target] {
			noted[f.Target] = true
			b.WriteString("# NOTE " + comment(f.Target.String()) + ": " + comment(note) + "\n")
		}
		fmt.Fprintf(b, "\n# [%s] %s\n", f.Kind, comment(f.Plan))
		if len(f.Resolves) > 0 {
			b.WriteString("#   resolves: " + comment(resolvedList(f.Resolves)) + "\n")
		}
		for _, warn := range f.Warnings {
			b.WriteString("#   WARNING: " + comment(warn) + "\n")
		}
		h, isHeld := held[i]
		if f.Recreate {
			// A pod's or a Job's pod spec cannot change in place, and
			// recreating one from the live object would carry its node,
			// its token volume, a Job's selector: the script says what to
			// change in its manifest instead of running anything.
			if i+1 < len(res.Fixes) && res.Fixes[i+1].Target == f.Target {
				continue
			}
			c := changes[f.Target]
			fmt.Fprintf(b, "\n# A %s's pod spec cannot change in place: delete %s and create it again from its\n", f.Target.Kind, comment(f.Target.String()))
			b.WriteString("# manifest with the changes above (tiergate fix -f FILE -o manifests writes them in), as this patch:\n")
			b.WriteString("#   " + comment(string(c.Patch)) + "\n")
			continue
		}
		cmd := command(kubectl, f)
		if !isHeld {
			b.WriteString(cmd)
			continue
		}
		// Held back as --apply holds it back: the command is there to
		// read, commented out, with what includes it.
		b.WriteString("#   HELD BACK: " + comment(h.Reason))
		if h.Include != "" {
			b.WriteString("; tiergate fix " + h.Include + " writes this command")
		}
		b.WriteString("\n")
		for _, l := range strings.Split(strings.TrimSuffix(cmd, "\n"), "\n") {
			b.WriteString("# " + comment(l) + "\n")
		}
	}
	if len(res.Manual) > 0 {
		b.WriteString("\n# ── Left to a human (no automatic fix):\n")
		for _, m := range res.Manual {
			fmt.Fprintf(b, "#   %s %s: %s\n#     why: %s\n", comment(m.Workload), m.Rule, comment(m.Message), comment(m.Reason))
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// command is the shell command of one fix: kubectl apply of an object to
// create, or kubectl patch of an existing one.
func command(kubectl string, f Fix) string {
	if f.Object != nil {
		// The delimiter must not occur in the manifest, or a hostile
		// label value could end the here-document and run commands.
		eof := "TIERGATE_EOF"
		for strings.Contains(string(f.Manifest), eof) {
			eof += "_"
		}
		return fmt.Sprintf("%s apply -f - <<'%s'\n%s%s\n", kubectl, eof, f.Manifest, eof)
	}
	typ := "strategic"
	if f.PatchType == types.JSONPatchType {
		typ = "json"
	}
	return fmt.Sprintf("%s patch %s%s --type %s -p %s\n",
		kubectl, ShellWord(kubectlType(f.Target)+"/"+f.Target.Name), nsFlag(f.Target.Namespace), typ, shellQuote(string(f.Patch)))
}

// resolvedList is "TG-PSS-001 (init, app), TG-IDN-001": one entry per
// rule, with the containers it was found in.
func resolvedList(rs []Resolved) string {
	var order []string
	ctrs := map[string][]string{}
	for _, r := range rs {
		if _, seen := ctrs[r.Rule]; !seen {
			order = append(order, r.Rule)
			ctrs[r.Rule] = nil
		}
		if r.Container != "" {
			ctrs[r.Rule] = append(ctrs[r.Rule], r.Container)
		}
	}
	parts := make([]string, 0, len(order))
	for _, id := range order {
		if cs := ctrs[id]; len(cs) > 0 {
			id += " (" + strings.Join(cs, ", ") + ")"
		}
		parts = append(parts, id)
	}
	return strings.Join(parts, ", ")
}

// nsFlag is " -n NS", or nothing for an object without a namespace (a
// manifest that leaves it to kubectl's context).
func nsFlag(ns string) string {
	if ns == "" {
		return ""
	}
	return " --namespace=" + ShellWord(ns)
}

// ShellWord quotes s for a POSIX shell unless it is a plain word (a
// Kubernetes name, a path), so that a name read from a hostile manifest
// or kubeconfig cannot inject commands into a script.
func ShellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@") == "" {
		return s
	}
	return shellQuote(s)
}

// comment makes text safe inside a "# ..." line.
func comment(s string) string { return textutil.Printable(s) }

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
