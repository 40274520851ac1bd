package audit

import "github.com/tiergate/tiergate/kinds"

// runsToCompletion says the registry knows the kind of apiVersion and
// kind as one whose pods finish (a Job, a CronJob's Jobs, a TrainJob).
func runsToCompletion(apiVersion, kind string) bool {
	k, ok := kinds.ForAPIVersion(apiVersion, kind)
	return ok && k.RunsToCompletion
}

// perNode says the registry knows the kind as one that runs a pod on
// every node that may run it (a DaemonSet).
func perNode(apiVersion, kind string) bool {
	k, ok := kinds.ForAPIVersion(apiVersion, kind)
	return ok && k.PerNode
}

// isKind says an object of apiVersion and kind is of registry kind k:
// its name, and its group where the apiVersion says it (agent-sandbox's
// and OpenKruise's Sandbox share the name).
func isKind(apiVersion, kind string, k *kinds.Kind) bool {
	return kind == k.Kind && (apiVersion == "" || groupOf(apiVersion, kind) == k.Group)
}
