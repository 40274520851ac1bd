//go:build integration

package cluster_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	resourcev1 "k8s.io/api/resource/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/kinds"
	"github.com/tiergate/tiergate/manifest"
)

// dumpList lists pods, nodes, RuntimeClasses, NetworkPolicies,
// ServiceAccounts, the pods' controllers, the DRA objects (claims,
// templates, device classes, slices) and the custom resources the
// cluster serves (as kubectl get -o yaml would) in every namespace and writes
// them as one List, with apiVersion and kind set on each item.
func dumpList(ctx context.Context, kube kubernetes.Interface, dyn dynamic.Interface, path string) error {
	var items []any
	// InferencePools select model servers in both modes; the registry's
	// custom workload kinds are audited in both, with pods or without.
	gvrs := []schema.GroupVersionResource{{Group: "inference.networking.k8s.io", Version: "v1", Resource: "inferencepools"}}
	for _, k := range kinds.All() {
		if k.Watch != nil && k.Watch.IfServed {
			gvrs = append(gvrs, k.GVR())
		}
	}
	for _, gvr := range gvrs {
		l, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			continue
		}
		for _, u := range l.Items {
			items = append(items, u.Object)
		}
	}
	add := func(gv schema.GroupVersion, kind string, list runtime.Object, err error) error {
		if err != nil {
			return err
		}
		objs, err := metaItems(list)
		if err != nil {
			return err
		}
		for _, o := range objs {
			u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
			if err != nil {
				return err
			}
			u["apiVersion"], u["kind"] = gv.String(), kind
			items = append(items, u)
		}
		return nil
	}
	o := metav1.ListOptions{}
	v1 := schema.GroupVersion{Version: "v1"}
	apps := schema.GroupVersion{Group: "apps", Version: "v1"}
	steps := []func() error{
		func() error { l, err := kube.CoreV1().Pods("").List(ctx, o); return add(v1, "Pod", l, err) },
		func() error { l, err := kube.CoreV1().Nodes().List(ctx, o); return add(v1, "Node", l, err) },
		func() error { l, err := kube.CoreV1().Namespaces().List(ctx, o); return add(v1, "Namespace", l, err) },
		func() error {
			l, err := kube.CoreV1().ServiceAccounts("").List(ctx, o)
			return add(v1, "ServiceAccount", l, err)
		},
		func() error {
			l, err := kube.NodeV1().RuntimeClasses().List(ctx, o)
			return add(schema.GroupVersion{Group: "node.k8s.io", Version: "v1"}, "RuntimeClass", l, err)
		},
		func() error {
			l, err := kube.NetworkingV1().NetworkPolicies("").List(ctx, o)
			return add(schema.GroupVersion{Group: "networking.k8s.io", Version: "v1"}, "NetworkPolicy", l, err)
		},
		func() error {
			l, err := kube.AppsV1().ReplicaSets("").List(ctx, o)
			return add(apps, "ReplicaSet", l, err)
		},
		func() error {
			l, err := kube.AppsV1().Deployments("").List(ctx, o)
			return add(apps, "Deployment", l, err)
		},
		func() error {
			l, err := kube.AppsV1().StatefulSets("").List(ctx, o)
			return add(apps, "StatefulSet", l, err)
		},
		func() error {
			l, err := kube.AppsV1().DaemonSets("").List(ctx, o)
			return add(apps, "DaemonSet", l, err)
		},
		func() error {
			l, err := kube.BatchV1().Jobs("").List(ctx, o)
			return add(schema.GroupVersion{Group: "batch", Version: "v1"}, "Job", l, err)
		},
		func() error {
			l, err := kube.BatchV1().CronJobs("").List(ctx, o)
			return add(schema.GroupVersion{Group: "batch", Version: "v1"}, "CronJob", l, err)
		},
		// Dynamic Resource Allocation: pods' GPUs through claims.
		func() error {
			l, err := kube.ResourceV1().ResourceClaims("").List(ctx, o)
			return add(resourcev1.SchemeGroupVersion, "ResourceClaim", l, err)
		},
		func() error {
			l, err := kube.ResourceV1().ResourceClaimTemplates("").List(ctx, o)
			return add(resourcev1.SchemeGroupVersion, "ResourceClaimTemplate", l, err)
		},
		func() error {
			l, err := kube.ResourceV1().DeviceClasses().List(ctx, o)
			return add(resourcev1.SchemeGroupVersion, "DeviceClass", l, err)
		},
		func() error {
			l, err := kube.ResourceV1().ResourceSlices().List(ctx, o)
			return add(resourcev1.SchemeGroupVersion, "ResourceSlice", l, err)
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	b, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func metaItems(list runtime.Object) ([]runtime.Object, error) {
	return apimeta.ExtractList(list)
}

// offlineAudit dumps the cluster as kubectl get -o yaml would, reads the
// dump back as files and audits the namespace from it: the offline audit
// a live one must equal.
func offlineAudit(ctx context.Context, t *testing.T, clients *cluster.Clients, e *audit.Engine, namespace string, now time.Time) *audit.Report {
	t.Helper()
	dump := filepath.Join(t.TempDir(), "dump.yaml")
	if err := dumpList(ctx, clients.Kube, clients.Dynamic, dump); err != nil {
		t.Fatal(err)
	}
	read, err := manifest.Read([]string{dump}, nil, manifest.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := manifest.Build(read, manifest.BuildOptions{Namespace: namespace})
	if err != nil {
		t.Fatal(err)
	}
	return e.Audit(inv, audit.Options{Now: now})
}
