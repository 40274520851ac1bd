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

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/applier"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/remediate"
)

// apply dry-runs every item on the server, prints the diffs, asks, then
// applies, reporting each object; nothing is left half-applied silently.
func (o *FixOptions) apply(ctx context.Context, clients *cluster.Clients, res *remediate.Result) error {
	items, skipped, err := applier.Items(res)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	for _, m := range res.Manual {
		fmt.Fprintf(o.ErrOut, "tiergate: left to a human: %s %s: %s\n", m.Workload, m.Rule, m.Reason)
	}
	for _, s := range skipped {
		fmt.Fprintf(o.Out, "skipped %s: %s\n", s.Target, s.Reason)
	}
	if len(items) == 0 {
		fmt.Fprintln(o.Out, "nothing to apply")
		return o.notApplied(len(skipped), len(skipped))
	}
	var outs []applier.Outcome
	// The server's warnings (a patch that would still violate Pod
	// Security, say) go to stderr once each, as kubectl shows them.
	cfg := rest.CopyConfig(clients.Config)
	cfg.WarningHandler = rest.NewWarningWriter(o.ErrOut, rest.WarningWriterOptions{Deduplicate: true})
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	a := &applier.Applier{Client: dyn, Force: o.ForceConflicts}
	failed := 0
	for _, out := range applier.Each(ctx, items, a.DryRun) {
		it := out.Item
		for _, p := range it.Plans {
			fmt.Fprintf(o.Out, "# %s: %s\n", it.Target, p)
		}
		for _, w := range it.Warnings {
			fmt.Fprintf(o.Out, "#   WARNING: %s\n", w)
		}
		switch {
		case out.Err != nil:
			fmt.Fprintf(o.Out, "dry run failed: %v\n\n", out.Err)
			failed++
		case out.Skipped != "":
			fmt.Fprintf(o.Out, "not sent %s: %s\n\n", it.Target, out.Skipped)
			failed++
		case !out.Changed:
			fmt.Fprintf(o.Out, "unchanged %s\n\n", it.Target)
		default:
			fmt.Fprintln(o.Out, out.Diff)
		}
		outs = append(outs, out)
	}
	ready := applier.Ready(outs)
	// A change whose pods would stay Pending takes a second yes: the flag.
	if !o.AllowPending {
		held := applier.Pending(ready)
		for _, it := range held {
			fmt.Fprintf(o.Out, "held back %s: its pods would stay Pending (no node can run the class yet); --allow-pending applies it\n", it.Target)
		}
		failed += len(held)
		ready = slices.DeleteFunc(ready, func(it applier.Item) bool { return it.Pending })
	}
	if len(ready) == 0 {
		fmt.Fprintln(o.Out, "nothing to apply")
		return o.notApplied(failed+len(skipped), len(items)+len(skipped))
	}
	if !o.Yes {
		ok, err := o.confirm(ctx, len(ready))
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if !ok {
			fmt.Fprintln(o.Out, "nothing applied")
			return &ExitError{Code: ExitFindings, Err: errors.New("tiergate: not confirmed; nothing applied")}
		}
	}
	for _, out := range applier.Each(ctx, ready, a.Apply) {
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
		default:
			fmt.Fprintf(o.Out, "applied %s\n", it.Target)
		}
	}
	return o.notApplied(failed+len(skipped), len(items)+len(skipped))
}

// notApplied turns a count of changes that did not land into exit 1.
func (o *FixOptions) notApplied(n, of int) error {
	if n == 0 {
		return nil
	}
	return &ExitError{Code: ExitFindings, Err: fmt.Errorf("tiergate: %d of %d change%s not applied", n, of, pluralS(of))}
}

// confirm asks on the terminal, on stderr (stdout may be a file or a
// pager); without a terminal it refuses rather than guessing. An
// interrupt while it waits answers no.
func (o *FixOptions) confirm(ctx context.Context, n int) (bool, error) {
	// A pipe or /dev/null on stdin is not a person saying yes.
	if _, ok := o.In.(*os.File); ok && !isTerminal(o.In) {
		return false, errors.New("--apply needs a terminal to confirm, or --yes")
	}
	fmt.Fprintf(o.ErrOut, "Apply %d change%s with server-side apply as %q? [y/N] ", n, pluralS(n), applier.FieldManager)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(o.In).ReadString('\n')
		answer <- strings.ToLower(strings.TrimSpace(line))
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(o.ErrOut)
		return false, nil
	case a := <-answer:
		return a == "y" || a == "yes", nil
	}
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
		len(files), pluralS(len(files)), o.OutputDir, len(res.Fixes), plural(len(res.Fixes), "", "es"), len(res.Manual), pluralS(len(res.Manual)))
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
