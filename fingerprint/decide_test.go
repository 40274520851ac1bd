package fingerprint

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/internal/golden"
)

// TestGoldenFingerprints decides every recorded environment and compares
// the verdict with its golden file; the kinds are asserted here too, so a
// careless -update cannot bless a wrong verdict.
func TestGoldenFingerprints(t *testing.T) {
	want := map[string]string{
		"gvisor-4.4.0":                           "gvisor",
		"gvisor-4.19.0":                          "gvisor",
		"gvisor-no-node":                         "gvisor",
		"kata-qemu":                              "vm (QEMU)",
		"kata-qemu-nvidia-gpu":                   "vm (QEMU)",
		"kata-clh":                               "vm (Cloud Hypervisor)",
		"firecracker-real":                       "microvm (Firecracker)",
		"firecracker-gpu":                        "microvm (Firecracker)",
		"firecracker-default-cmdline":            "microvm (Firecracker)",
		"firecracker-build-machine":              "unknown", // no node kernel: this VM may be the node
		"runc-on-qemu-node-no-node-kernel":       "unknown",
		"runc-on-firecracker-node":               "shared-kernel",
		"kata-qemu-arm64-no-dmi":                 "vm",
		"kata-qemu-no-node-kernel":               "vm (QEMU)",
		"runc-clear-linux-host":                  "shared-kernel",
		"contradictory-firecracker-on-virtiofs":  "unknown",
		"runc-bare-metal":                        "shared-kernel",
		"runc-cloud-vm-node":                     "shared-kernel",
		"runc-on-qemu-node":                      "shared-kernel",
		"runc-no-node-kernel":                    "shared-kernel",
		"contradictory-gvisor-on-node-kernel":    "unknown",
		"contradictory-kata-root-on-node-kernel": "unknown",
		"contradictory-firecracker-with-dmi":     "unknown",
		"contradictory-gvisor-and-kata":          "unknown",
		"differs-without-markers":                "unknown",
		"nothing-read":                           "unknown",
	}
	files, err := filepath.Glob("testdata/facts/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Fatalf("%d fact files, %d expectations: keep them in step", len(files), len(want))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			var f Facts
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &f); err != nil {
				t.Fatal(err)
			}
			v := Decide(f)
			if got := v.String(); got != want[name] {
				t.Errorf("verdict %q, want %q (evidence %q, conflicts %q)", got, want[name], v.Evidence, v.Conflicts)
			}
			if len(v.Evidence) == 0 && v.Caveat == "" {
				t.Errorf("no evidence and no caveat for %s", v)
			}
			if v.Kind == Unknown && len(v.Conflicts) == 0 && v.Caveat == "" {
				t.Errorf("unknown without a conflict or a caveat saying why")
			}
			got, _ := json.MarshalIndent(v, "", "  ")
			got = append(got, '\n')
			golden.Assert(t, "./fingerprint", filepath.Join("testdata", "golden", name+".json"), got)
		})
	}
}
