package cmd

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/tiergate/tiergate/bench"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/metrics"
)

// kubeletMemory reads a bench pod's whole memory from its node's kubelet
// through the API server's node proxy: the Summary API, else cAdvisor.
// Both need get on nodes/proxy; a refusal ends memory reads for the run.
func kubeletMemory(k *metrics.Kube) bench.MemoryFunc {
	return func(ctx context.Context, node, namespace, pod string) (*metrics.PodMemory, error) {
		key := metrics.PodKey{Namespace: namespace, Name: pod}
		body, sumErr := k.Summary(ctx, node)
		if sumErr == nil {
			pods, err := metrics.SummaryPodMemory(body)
			if err == nil {
				if m, ok := pods[key]; ok {
					return &m, nil
				}
				return nil, nil
			}
			sumErr = err
		}
		if apierrors.IsForbidden(sumErr) {
			return nil, fmt.Errorf("%w: node %s: reading the kubelet's stats needs get on nodes/proxy (%s)", bench.ErrMemoryUnavailable, node, textutil.OneLine(sumErr.Error()))
		}
		body, contentType, cadErr := k.CAdvisor(ctx, node)
		if cadErr != nil {
			return nil, fmt.Errorf("%w: node %s: Summary API: %s; cAdvisor: %s", bench.ErrMemoryUnavailable, node, textutil.OneLine(sumErr.Error()), textutil.OneLine(cadErr.Error()))
		}
		fams, err := metrics.Parse(body, contentType)
		if err != nil {
			return nil, fmt.Errorf("node %s: cAdvisor: %v", node, err)
		}
		if m, ok := metrics.CAdvisorPodMemory(fams)[key]; ok {
			return &m, nil
		}
		return nil, nil
	}
}
