package seed

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Rollout is where the controllers and the scheduler have got with what
// was seeded: how many pods run or have finished, and, one line each,
// the pods that do not run and the controllers that have none, with why.
type Rollout struct {
	Running, Succeeded int
	// NotRunning: "code-sandbox/jovyan-…: Pending: Unschedulable: 0/9 nodes …".
	NotRunning []string
	// NoPods: "agents/Deployment/browser-agent: FailedCreate: pods … forbidden …".
	NoPods []string
}

// WaitRollout waits until the seeded workloads have settled: every pod
// running, finished, or left unscheduled by the scheduler with a reason,
// and every Deployment and StatefulSet ready or failing to create pods
// with a reason. It returns where they settled (or where they were when
// the time ran out, with an error).
func WaitRollout(ctx context.Context, cfg *rest.Config, timeout time.Duration) (*Rollout, error) {
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last *Rollout
	for {
		r, settled, err := readRollout(ctx, kube)
		if err == nil {
			last = r
			if settled {
				return r, nil
			}
		}
		select {
		case <-ctx.Done():
			if last == nil {
				return nil, fmt.Errorf("rollout not read in %v: %v", timeout, err)
			}
			return last, fmt.Errorf("not settled after %v: %d running, waiting on %s", timeout, last.Running, strings.Join(append(last.NotRunning, last.NoPods...), "; "))
		case <-time.After(time.Second):
		}
	}
}

func readRollout(ctx context.Context, kube kubernetes.Interface) (*Rollout, bool, error) {
	pods, err := kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, false, err
	}
	r := &Rollout{}
	settled := true
	for _, p := range pods.Items {
		switch p.Status.Phase {
		case corev1.PodRunning:
			r.Running++
			continue
		case corev1.PodSucceeded:
			r.Succeeded++
			continue
		}
		why := string(p.Status.Phase)
		reason := ""
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				reason, why = c.Reason, why+": "+c.Reason+": "+c.Message
			}
		}
		if reason != corev1.PodReasonUnschedulable {
			settled = false // still on its way
		}
		r.NotRunning = append(r.NotRunning, p.Namespace+"/"+p.Name+": "+why)
	}
	deps, err := kube.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, false, err
	}
	for _, d := range deps.Items {
		if d.Status.ReadyReplicas >= ptrOr(d.Spec.Replicas, 1) {
			continue
		}
		failure := ""
		for _, c := range d.Status.Conditions {
			if c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue {
				failure = c.Reason + ": " + c.Message
			}
		}
		switch {
		case failure != "" && d.Status.Replicas == 0:
			r.NoPods = append(r.NoPods, d.Namespace+"/Deployment/"+d.Name+": "+failure)
		case !hasUnschedulable(r.NotRunning, d.Namespace+"/"+d.Name+"-"):
			settled = false
		}
	}
	sets, err := kube.AppsV1().StatefulSets("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, false, err
	}
	for _, s := range sets.Items {
		if s.Status.ReadyReplicas >= ptrOr(s.Spec.Replicas, 1) {
			continue
		}
		// A StatefulSet's status does not say why it has no pods; its
		// events do.
		ev, err := kube.CoreV1().Events(s.Namespace).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=StatefulSet,involvedObject.name=" + s.Name + ",reason=FailedCreate"})
		switch {
		case err == nil && len(ev.Items) > 0 && s.Status.Replicas == 0:
			r.NoPods = append(r.NoPods, s.Namespace+"/StatefulSet/"+s.Name+": FailedCreate: "+ev.Items[len(ev.Items)-1].Message)
		case !hasUnschedulable(r.NotRunning, s.Namespace+"/"+s.Name+"-"):
			settled = false
		}
	}
	slices.Sort(r.NotRunning)
	slices.Sort(r.NoPods)
	return r, settled, nil
}

// hasUnschedulable says a pod named with prefix waits on the scheduler.
func hasUnschedulable(notRunning []string, prefix string) bool {
	return slices.ContainsFunc(notRunning, func(s string) bool {
		return strings.HasPrefix(s, prefix) && strings.Contains(s, corev1.PodReasonUnschedulable)
	})
}

func ptrOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}
