// Package pssconformance holds the integration test that holds tiergate's
// pod-security findings against a real kube-apiserver's Pod Security
// Admission: every pod template of the example and the corpus is created
// (server dry run) in namespaces that enforce restricted and baseline,
// and the controls the API server names must be the ones tiergate reports.
package pssconformance
