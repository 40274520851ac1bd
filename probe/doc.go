// Package probe reads the facts package fingerprint weighs: from the
// environment it runs in (tiergate probe --local), or from a pod's
// container through the API server, either with cat over the exec
// subresource or by running tiergate itself in an ephemeral container of
// the pod (same sandbox, same kernel). It never runs unless asked.
package probe
