// Package cluster connects tiergate to a live cluster: it builds clients
// from kubeconfig flags, finds out what the user may read, runs shared
// informers (with a transform that drops what the audit never reads) and
// turns their caches into audit inventories, as one-shot snapshots or as
// a coalesced stream of them. The field's custom workload kinds (the
// registry's, kinds/custom.go) are watched when discovery says the
// cluster serves them and read as the offline audit reads them, so a
// custom resource with no pods is audited from its templates.
package cluster
