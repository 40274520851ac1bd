package bench

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Environment is what the figures were measured on: they mean little
// without the cluster, the node types and the runtime versions.
type Environment struct {
	Context string     `json:"context,omitempty"`
	Server  string     `json:"server,omitempty"`
	Image   string     `json:"image"`
	GPUs    int        `json:"gpus,omitempty"`
	Nodes   []NodeInfo `json:"nodes"`
	// Load is the load every server was given, when the image is one.
	Load *LoadSetup `json:"load,omitempty"`
}

// LoadSetup is the fixed load of a run (the server's arguments are not
// kept: they may hold a key).
type LoadSetup struct {
	Engine string `json:"engine"`
	// Model is the one asked for; "" took the server's first.
	Model       string `json:"model,omitempty"`
	Prompts     int    `json:"prompts"`
	Concurrency int    `json:"concurrency"`
	MaxTokens   int    `json:"maxTokens"`
	Seed        uint64 `json:"seed"`
}

// NodeInfo is one node the bench pods ran on.
type NodeInfo struct {
	Name         string   `json:"name"`
	InstanceType string   `json:"instanceType,omitempty"`
	Runtime      string   `json:"containerRuntime,omitempty"`
	Kernel       string   `json:"kernel,omitempty"`
	OSImage      string   `json:"osImage,omitempty"`
	Handlers     []string `json:"runtimeHandlers,omitempty"`
}

// NodesUsed describes the nodes the result's pods ran on, by name order.
func NodesUsed(res *Result, nodes []corev1.Node) []NodeInfo {
	used := map[string]bool{}
	for _, t := range res.Targets {
		for _, n := range t.Nodes {
			used[n] = true
		}
	}
	var out []NodeInfo
	for i := range nodes {
		n := &nodes[i]
		if !used[n.Name] {
			continue
		}
		info := NodeInfo{Name: n.Name, InstanceType: n.Labels[corev1.LabelInstanceTypeStable],
			Runtime: n.Status.NodeInfo.ContainerRuntimeVersion, Kernel: n.Status.NodeInfo.KernelVersion, OSImage: n.Status.NodeInfo.OSImage}
		for _, h := range n.Status.RuntimeHandlers {
			if h.Name != "" {
				info.Handlers = append(info.Handlers, h.Name)
			}
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b NodeInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}
