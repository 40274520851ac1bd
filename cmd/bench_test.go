package cmd

import (
	"testing"
	"time"
)

// The GPU hours the bench may hold: every pod holds its GPUs until it is
// deleted, at most twice --timeout (its start, then its first log line),
// and a burst holds several pods' at once.
func TestBenchGPUHours(t *testing.T) {
	for _, tt := range []struct {
		measured, runs, burst, gpus int
		timeout                     time.Duration
		want                        string
	}{
		{4, 20, 0, 1, 5 * time.Minute, "Each pod requests 1 nvidia.com/gpu, held until the pod is deleted, at most 10m (its start, then its first log line): 80 pods, at most 13.33 GPU-hours in all. A normal run holds far less."},
		{2, 10, 5, 2, 3 * time.Minute, "Each pod requests 2 nvidia.com/gpu, held until the pod is deleted, at most 6m (its start, then its first log line): 30 pods, at most 6 GPU-hours in all; a burst holds 10 at once. A normal run holds far less."},
	} {
		if got := gpuHours(tt.measured, tt.runs, tt.burst, tt.gpus, "nvidia.com/gpu", tt.timeout); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}
