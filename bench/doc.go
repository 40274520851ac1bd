// Package bench measures what isolation costs on the cluster at hand:
// for each RuntimeClass the nodes can run, pods started one after another
// (and in bursts), each timed from create to scheduled, to sandbox ready,
// to containers ready and to its first log line, from the pod's
// conditions as a watch delivers them.
//
// The pure parts (the plan, the bench pod, a pod's timeline, the
// statistics) take objects and return values; Runner is the one part that
// talks to a cluster, and only inside its own labelled namespace.
package bench
