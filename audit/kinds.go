package audit

import "github.com/tiergate/tiergate/kinds"

// runsToCompletion says the registry knows kind as one whose pods finish
// (a Job, a CronJob's Jobs).
func runsToCompletion(kind string) bool {
	k, ok := kinds.Lookup(kind)
	return ok && k.RunsToCompletion
}

// perNode says the registry knows kind as one that runs a pod on every
// node that may run it (a DaemonSet).
func perNode(kind string) bool {
	k, ok := kinds.Lookup(kind)
	return ok && k.PerNode
}
