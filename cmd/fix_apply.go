package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/remediate"
)

// applyClient is what --apply sends through: an applier.Applier, or a
// stand-in in tests.
type applyClient interface {
	DryRun(ctx context.Context, it applier.Item) applier.Outcome
	Apply(ctx context.Context, it applier.Item) applier.Outcome
}

// apply dry-runs every item on the server, prints the diffs, asks, then
// applies, reporting each object; nothing is left half-applied silently.
func (o *FixOptions) apply(ctx context.Context, clients *cluster.Clients, res *remediate.Result) error {
	items, held, err := applier.Items(res, remediate.HoldOptions{AllowPending: o.AllowPending, AllowEgressGaps: o.AllowEgressGaps})
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	for _, m := range res.Manual {
		fmt.Fprintf(o.ErrOut, "tiergate: left to a human: %s %s: %s\n", m.Workload, m.Rule, m.Reason)
	}
	a, err := applier.New(clients.Config)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return o.applyItems(ctx, a, items, held)
}

// applyItems is the --apply flow over what the plan applies and holds
// back: the dry run of every item with its diff, conflicts, GitOps note
// and server warnings, the question, then the apply.
func (o *FixOptions) applyItems(ctx context.Context, a applyClient, items []applier.Item, held []applier.Skipped) error {
	for _, s := range held {
		line := fmt.Sprintf("held back %s", s.Target)
		if s.Kind != "" {
			line += " [" + string(s.Kind) + "]"
		}
		line += ": " + s.Reason
		if s.Include != "" {
			line += "; " + s.Include + " applies it"
		}
		fmt.Fprintln(o.Out, line)
	}
	total, failed := len(items)+len(held), len(held)
	if len(items) == 0 {
		fmt.Fprintln(o.Out, "nothing to apply")
		return o.notApplied(failed, total)
	}
	var ready []applier.Outcome
	shown := map[remediate.Target][]string{} // the server's warnings, as shown with the dry run
	for _, out := range applier.Each(ctx, items, a.DryRun) {
		o.printDryRun(out)
		shown[out.Item.Target] = out.Warnings
		switch {
		case out.Err != nil || out.Skipped != "":
			failed++
		case out.Changed:
			ready = append(ready, out)
		}
	}
	if len(ready) == 0 {
		fmt.Fprintln(o.Out, "nothing to apply")
		return o.notApplied(failed, total)
	}
	take := o.ForceConflicts
	if !o.Yes {
		ans, err := o.confirm(ctx, ready)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if ans == answerNone {
			return &ExitError{Code: ExitFindings, Err: errors.New("tiergate: not confirmed; nothing applied")}
		}
		take = take || ans == answerAll
	}
	var send []applier.Item
	for _, r := range ready {
		it := r.Item
		switch {
		case !r.NeedsOwnership():
		case take:
			it.Force = true
		default:
			fmt.Fprintf(o.Out, "not applied %s: %s; --force-conflicts takes ownership of them\n", it.Target, conflictList(r.Conflicts))
			failed++
			continue
		}
		send = append(send, it)
	}
	for _, out := range applier.Each(ctx, send, a.Apply) {
		it := out.Item
		switch {
		case out.Err != nil:
			fmt.Fprintf(o.Out, "failed %v\n", out.Err)
			failed++
		case out.Skipped != "":
			fmt.Fprintf(o.Out, "not applied %s: %s\n", it.Target, out.Skipped)
			failed++
		case out.Created:
			fmt.Fprintf(o.Out, "created %s\n", it.Target)
		case it.Force:
			fmt.Fprintf(o.Out, "applied %s, taking ownership of the fields listed above\n", it.Target)
		default:
			fmt.Fprintf(o.Out, "applied %s\n", it.Target)
		}
		// The apply warns as its dry run did: only what is new is shown.
		for _, w := range applier.NewWarnings(shown[it.Target], out) {
			fmt.Fprintf(o.Out, "  server warning: %s\n", textutil.OneLine(w))
		}
	}
	return o.notApplied(failed, total)
}

// printDryRun prints one object's dry run: its plans and the fixes'
// warnings, the GitOps tool that manages it, the fields other managers
// own, the server's warnings, then the diff.
func (o *FixOptions) printDryRun(out applier.Outcome) {
	it := out.Item
	for _, p := range it.Plans {
		fmt.Fprintf(o.Out, "# %s: %s\n", it.Target, p)
	}
	for _, w := range it.Warnings {
		fmt.Fprintf(o.Out, "#   WARNING: %s\n", w)
	}
	if out.GitOps != nil {
		fmt.Fprintf(o.Out, "#   NOTE: %s\n", out.GitOps.Note())
	}
	if out.NeedsOwnership() {
		fmt.Fprintf(o.Out, "#   CONFLICT: fields another manager owns; the diff below is what taking ownership of them would do:\n")
		for _, c := range out.Conflicts {
			fmt.Fprintf(o.Out, "#     %s\n", c)
		}
	}
	for _, w := range out.Warnings {
		fmt.Fprintf(o.Out, "#   server warning: %s\n", textutil.OneLine(w))
	}
	switch {
	case out.Err != nil:
		fmt.Fprintf(o.Out, "dry run failed: %v\n\n", out.Err)
	case out.Skipped != "":
		fmt.Fprintf(o.Out, "not sent %s: %s\n\n", it.Target, out.Skipped)
	case !out.Changed:
		fmt.Fprintf(o.Out, "unchanged %s\n\n", it.Target)
	default:
		fmt.Fprintln(o.Out, out.Diff)
	}
}

// conflictList is "field → manager, field → manager".
func conflictList(cs []applier.Conflict) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, ", ")
}

// notApplied turns a count of changes that did not land into exit 1.
func (o *FixOptions) notApplied(n, of int) error {
	if n == 0 {
		return nil
	}
	return &ExitError{Code: ExitFindings, Err: fmt.Errorf("tiergate: %d of %d change%s not applied", n, of, textutil.S(of))}
}

// answer is the person's answer to the apply question.
type answer int

const (
	answerNone  answer = iota // apply nothing
	answerClean               // the changes that take no field from another manager
	answerAll                 // everything, taking ownership of the conflicting fields
)

// canAsk says the person can be asked: standard input is a terminal, or
// no file at all (a test's reader). A pipe or /dev/null on stdin is not a
// person saying yes.
func canAsk(in any) bool {
	_, isFile := in.(*os.File)
	return !isFile || isTerminal(in)
}

// confirm asks on stderr (stdout may be a file or a pager) whether to
// apply the ready changes. When some take fields other managers own, it
// offers the others alone or all of them with ownership taken; with
// --force-conflicts the question says ownership is taken. An interrupt
// while it waits answers no.
func (o *FixOptions) confirm(ctx context.Context, ready []applier.Outcome) (answer, error) {
	if !canAsk(o.In) {
		return answerNone, errors.New("--apply needs a terminal to confirm, or --yes")
	}
	var conflicts []applier.Conflict
	owning, tools := 0, map[string]int{}
	for _, r := range ready {
		if r.NeedsOwnership() {
			owning++
			conflicts = append(conflicts, r.Conflicts...)
		}
		if r.GitOps != nil {
			tools[r.GitOps.Tool]++
		}
	}
	n, clean := len(ready), len(ready)-owning
	if len(tools) > 0 {
		names, managed := make([]string, 0, len(tools)), 0
		for t, k := range tools {
			names = append(names, t)
			managed += k
		}
		slices.Sort(names)
		fmt.Fprintf(o.ErrOut, "Note: %d of these %s managed by %s: a live change there lasts until its next sync (see NOTE above).\n",
			managed, textutil.Plural(managed, "is", "are"), strings.Join(names, " and "))
	}
	taking := fmt.Sprintf("taking ownership of %d field%s from %s", len(conflicts), textutil.S(len(conflicts)), strings.Join(applier.Managers(conflicts), ", "))
	var options string
	switch {
	case owning == 0:
		fmt.Fprintf(o.ErrOut, "Apply %d change%s with server-side apply as %q? [y/N] ", n, textutil.S(n), applier.FieldManager)
	case o.ForceConflicts:
		fmt.Fprintf(o.ErrOut, "Apply %d change%s with server-side apply as %q, %s (--force-conflicts)? [y/N] ", n, textutil.S(n), applier.FieldManager, taking)
	default:
		fmt.Fprintf(o.ErrOut, "%d of the %d changes set%s fields other managers own (CONFLICT above).\nApply with server-side apply as %q?\n", owning, n, textutil.Plural(owning, "s", ""), applier.FieldManager)
		if clean > 0 {
			fmt.Fprintf(o.ErrOut, "  y  the %d change%s without conflicts\n", clean, textutil.S(clean))
			options = "y/"
		}
		fmt.Fprintf(o.ErrOut, "  o  all %d, %s (what --force-conflicts does)\n  N  nothing\n[%so/N] ", n, taking, options)
	}
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(o.In).ReadString('\n')
		got <- strings.ToLower(strings.TrimSpace(line))
	}()
	var a string
	select {
	case <-ctx.Done():
		fmt.Fprintln(o.ErrOut)
		return answerNone, nil
	case a = <-got:
	}
	switch {
	case owning > 0 && !o.ForceConflicts && (a == "o" || a == "own"):
		return answerAll, nil
	case owning > 0 && !o.ForceConflicts && clean > 0 && (a == "y" || a == "yes"):
		return answerClean, nil
	case (owning == 0 || o.ForceConflicts) && (a == "y" || a == "yes"):
		return answerAll, nil
	}
	return answerNone, nil
}

// writeKustomize writes the kustomization into --output-dir, refusing to
// overwrite files that are there.
func (o *FixOptions) writeKustomize(res *remediate.Result) error {
	files, err := remediate.Kustomize(res)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if err := os.MkdirAll(o.OutputDir, 0o755); err != nil {
		return &ExitError{Code: ExitUsage, Err: unwrapPath(err)}
	}
	for _, f := range files {
		p := filepath.Join(o.OutputDir, f.Name)
		if _, err := os.Lstat(p); err == nil {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s exists; tiergate does not overwrite files (choose an empty --output-dir)", p)}
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(o.OutputDir, f.Name), f.Data, 0o644); err != nil {
			return &ExitError{Code: ExitUsage, Err: unwrapPath(err)}
		}
	}
	for _, c := range res.Changes {
		if c.Recreate {
			fmt.Fprintf(o.ErrOut, "tiergate: not in the kustomization: %s (its pod spec cannot change in place; use -o manifests or -o patch)\n", c.Target)
		}
	}
	fmt.Fprintf(o.Out, "wrote %d file%s to %s (%d fix%s; %d finding%s left to a human)\n",
		len(files), textutil.S(len(files)), o.OutputDir, len(res.Fixes), textutil.Plural(len(res.Fixes), "", "es"), len(res.Manual), textutil.S(len(res.Manual)))
	return nil
}
