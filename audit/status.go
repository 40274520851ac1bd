package audit

import "strconv"

// Status is what the cluster says of a live workload: for a pod, the word
// kubectl get pods shows in its STATUS column, its readiness and, when it
// is not running, why; for a controller no pod runs from, why none does
// when its status says. Files have none.
type Status struct {
	// Phase is a pod's phase (Pending, Running, Succeeded, Failed,
	// Unknown); empty for a controller.
	Phase string `json:"phase,omitempty"`
	// Status is kubectl's word: Running, Pending, ContainerCreating,
	// CrashLoopBackOff, ImagePullBackOff, Completed, Error, OOMKilled,
	// Init:0/1, Terminating, ... and "NoPods" for a controller.
	Status string `json:"status"`
	// Reason refines a Pending pod's word with the scheduler's reason
	// (Unschedulable, SchedulingGated) or a controller's ("FailedCreate").
	Reason string `json:"reason,omitempty"`
	// Message is the scheduler's, the kubelet's or the controller's own
	// words on why (a pod left unscheduled: "0/9 nodes are available: ...").
	Message string `json:"message,omitempty"`
	// Ready and Containers count a pod's ready and regular containers;
	// Restarts sums their restarts.
	Ready      int `json:"ready"`
	Containers int `json:"containers"`
	Restarts   int `json:"restarts"`
	// Pods counts the pods a custom resource runs (StatusPods): they are
	// listed under it.
	Pods int `json:"pods,omitempty"`
}

// StatusNoPods is the status word of a controller no pod runs from.
const StatusNoPods = "NoPods"

// StatusPods is the status word of a custom resource whose pods are
// listed under it: its row counts them ("3 pods").
const StatusPods = "Pods"

// StatusTemplate is the status word of an object others launch pods from
// and that runs none itself (a SandboxTemplate).
const StatusTemplate = "Template"

// Text is the status in a few words: "Running", "Pending: Unschedulable",
// "Running, 1/2 ready", "no pods: FailedCreate".
func (s *Status) Text() string {
	if s == nil {
		return ""
	}
	switch {
	case s.Status == StatusNoPods && s.Reason != "":
		return "no pods: " + s.Reason
	case s.Status == StatusNoPods:
		return "no pods"
	case s.Status == StatusPods:
		return s.podCount()
	case s.Reason != "":
		return s.Status + ": " + s.Reason
	case s.Status == "Running" && s.Ready < s.Containers:
		return "Running, " + strconv.Itoa(s.Ready) + "/" + strconv.Itoa(s.Containers) + " ready"
	}
	return s.Status
}

// Short is the status for a narrow cell: kubectl's word, "NotReady" for a
// running pod whose containers are not all ready, "no pods" for a
// controller.
func (s *Status) Short() string {
	switch {
	case s == nil:
		return ""
	case s.Status == StatusNoPods:
		return "no pods"
	case s.Status == StatusPods:
		return s.podCount()
	case s.Status == "Running" && s.Ready < s.Containers:
		return "NotReady"
	}
	return s.Status
}

// podCount is "1 pod", "3 pods"; "pods not in scope" when -l or -n
// left out all of them.
func (s *Status) podCount() string {
	switch s.Pods {
	case 0:
		return "pods not in scope"
	case 1:
		return "1 pod"
	}
	return strconv.Itoa(s.Pods) + " pods"
}

// Healthy says the workload is as it should be: running and ready, or a
// finished Job's pod. Everything else deserves a look.
func (s *Status) Healthy() bool {
	if s == nil {
		return true // files: nothing to say
	}
	// A custom resource with pods: they speak for themselves, each on
	// its own row.
	return s.Status == "Running" && s.Ready >= s.Containers || s.Status == "Completed" || s.Status == StatusPods
}
