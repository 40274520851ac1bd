package testcluster

import (
	"context"
	"strings"
	"testing"
)

func TestAddPortForwardRefusesABadTargetBeforeAnyRequest(t *testing.T) {
	c := &Cluster{} // no Config: reaching the API server would panic
	for target, want := range map[string]string{
		"127.0.0.1":       "missing port in address",
		"127.0.0.1:0":     "the port must be 1-65535",
		"127.0.0.1:65536": "the port must be 1-65535",
		"127.0.0.1:http":  "the port must be 1-65535",
	} {
		err := c.AddPortForward(context.Background(), "r", PortForwardSelector{}, 8000, target)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "port-forward rule r: target ") {
			t.Errorf("%s: %v", target, err)
		}
	}
}
