package metrics

import (
	"strings"

	"github.com/tiergate/tiergate/engines"
)

// Engine is an engine tiergate reads figures from: its name and images
// from the one table of engines (package engines), with its families.
type Engine struct {
	Name string
	// Images run it: its default Ports are tried for their containers.
	Images []string
	engines.Metrics
}

// Engines are the engines tiergate reads, in the table's order (their
// prefixes are distinct, so the order decides nothing).
var Engines = readEngines()

func readEngines() []Engine {
	var out []Engine
	for _, e := range engines.All() {
		if e.Metrics != nil {
			out = append(out, Engine{Name: e.Name, Images: e.Images, Metrics: *e.Metrics})
		}
	}
	return out
}

// engineOf finds the engine whose families an exposition holds.
func engineOf(names func(prefix string) bool) *Engine {
	for i := range Engines {
		if names(Engines[i].Prefix) {
			return &Engines[i]
		}
	}
	return nil
}

// DCGM exporter families (port 9400): GPU utilisation in percent and
// framebuffer memory used in MiB, labelled with the pod when the
// exporter's pod mapping is on.
const (
	DCGMUtil   = "DCGM_FI_DEV_GPU_UTIL"
	DCGMFBUsed = "DCGM_FI_DEV_FB_USED"
	DCGMPort   = 9400
)

// CAdvisorRSS is cAdvisor's resident memory per container.
const CAdvisorRSS = "container_memory_rss"

// CAdvisorWorkingSet is cAdvisor's working set per cgroup.
const CAdvisorWorkingSet = "container_memory_working_set_bytes"

// IsDCGMExporter tells an NVIDIA DCGM exporter pod by its image.
func IsDCGMExporter(image string) bool { return strings.Contains(image, "dcgm-exporter") }
