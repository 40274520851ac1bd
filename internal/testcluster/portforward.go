package testcluster

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// portForwardCRD is the kwok kind the lab serves as a CRD (kwokctl
// --enable-crds): the kwok controller watches its objects, so a test can
// add a rule to a running cluster. As a config document it could only be
// fixed when the cluster is created.
const portForwardCRD = "ClusterPortForward"

var clusterPortForwards = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "clusterportforwards"}

// PortForwardSelector picks the pods a port-forward rule applies to, as
// kwok selects them: by namespace and by pod name (kwok has no label
// selector for these rules). An empty list matches every namespace (or
// name).
type PortForwardSelector struct {
	Namespaces []string
	Names      []string
}

// AddPortForward makes a port-forward to port of the pods sel matches
// (kubectl port-forward, or the pods/portforward subresource) reach target
// ("host:port", e.g. an httptest server's listener) through kwok: the API
// server upgrades the request, proxies it to kwok's kubelet server, and
// kwok dials target. A rule of the same name is replaced. The kwok
// controller picks the rule up from its watch a moment after this
// returns; until then a forward to the port fails with "no forward found".
func (c *Cluster) AddPortForward(ctx context.Context, name string, sel PortForwardSelector, port int32, target string) error {
	host, p, err := net.SplitHostPort(target)
	if err != nil {
		return fmt.Errorf("port-forward rule %s: target %q: %v", name, target, err)
	}
	targetPort, err := strconv.ParseInt(p, 10, 32)
	if err != nil || targetPort <= 0 || targetPort > 65535 {
		return fmt.Errorf("port-forward rule %s: target %q: the port must be 1-65535", name, target)
	}
	client, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	selector := map[string]any{}
	if len(sel.Namespaces) > 0 {
		selector["matchNamespaces"] = toAny(sel.Namespaces)
	}
	if len(sel.Names) > 0 {
		selector["matchNames"] = toAny(sel.Names)
	}
	rule := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       portForwardCRD,
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"selector": selector,
			"forwards": []any{map[string]any{
				"ports":  []any{int64(port)},
				"target": map[string]any{"address": host, "port": targetPort},
			}},
		},
	}}
	rules := client.Resource(clusterPortForwards)
	if err := rules.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !errors.IsNotFound(err) {
		return fmt.Errorf("port-forward rule %s: %v", name, err)
	}
	if _, err := rules.Create(ctx, rule, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("port-forward rule %s: %v", name, err)
	}
	return nil
}

// RemovePortForward deletes the rule AddPortForward made (gone already is
// fine).
func (c *Cluster) RemovePortForward(ctx context.Context, name string) error {
	client, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return err
	}
	if err := client.Resource(clusterPortForwards).Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !errors.IsNotFound(err) {
		return fmt.Errorf("port-forward rule %s: %v", name, err)
	}
	return nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
