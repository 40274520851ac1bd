// Package ui is tiergate's interactive terminal app (Bubble Tea v2): a
// k9s-like table of workloads grouped by type, a detail view that shows
// why each decision was made, a fix view that dry-runs and applies, a
// nodes view, and help and info overlays.
//
// Three parts, each in its own files:
//
//   - the session (session*.go) is what is being looked at: the source
//     and its feed, the snapshot and audit on screen, the kernel probes
//     and the live figures. Data arrives as snapshots (live informers or
//     files) and is audited off the UI goroutine; the rules that drop
//     stale results (an older feed, generation, probe revision or :ns
//     request) live there. It draws nothing, and tells the views what
//     changed by messages (reportMsg, figuresMsg, feedSwitchedMsg,
//     probeErrorMsg). ":ctx NAME" replaces the cluster on screen with
//     another kubeconfig context's (sessionctx.go); ":ctx all" opens the
//     fleet (sessionfleet.go): one feed per context, each audited apart
//     and merged, every row carrying its cluster, and each cluster's own
//     tools (probe, owners, applier) acting on its rows.
//   - the components (component.go): table, detail, nodes and fix views,
//     help and info overlays, the command/filter line. Each has Init,
//     Update, View, SetSize and KeyMap, owns its state and its key
//     bindings (keys.go), and asks the root for what is beyond it (open a
//     view, probe, fix, say something) through an outbox the root drains
//     within the same Update.
//   - the root (App, app.go) routes messages, switches views, and lays out
//     the chrome around them (chrome.go): header, body, status line.
package ui
