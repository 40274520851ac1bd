// Package ui is tiergate's interactive terminal app (Bubble Tea v2): a
// k9s-like table of workloads grouped by type, a detail view that shows
// why each decision was made, a nodes view and a help overlay.
//
// The root model (App) routes messages and lays the screen out; each
// component owns its state and size. Data arrives as snapshots (live
// informers or files), is audited off the UI goroutine, and results from
// an older snapshot than the one on screen are dropped.
package ui
