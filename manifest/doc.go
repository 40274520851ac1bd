// Package manifest loads Kubernetes objects from files, directories and
// standard input (multi-document YAML, JSON, `kind: List` as `kubectl get
// -o yaml` prints it) and turns them into an audit.Inventory. Nothing here
// contacts a cluster.
package manifest
