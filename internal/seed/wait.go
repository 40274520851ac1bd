package seed

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// WaitForPods waits until at least n pods are bound to nodes: the
// controllers and the scheduler have rolled out what was seeded.
func WaitForPods(ctx context.Context, cfg *rest.Config, n int, timeout time.Duration) error {
	return WaitForPodsIn(ctx, cfg, "", n, timeout)
}

// WaitForPodsIn is WaitForPods for one namespace ("" for all).
func WaitForPodsIn(ctx context.Context, cfg *rest.Config, namespace string, n int, timeout time.Duration) error {
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	bound := 0
	for {
		pods, err := kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
		if err == nil {
			bound = 0
			for _, p := range pods.Items {
				if p.Spec.NodeName != "" {
					bound++
				}
			}
			if bound >= n {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d pods bound to nodes after %v (last error: %v)", bound, n, timeout, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
