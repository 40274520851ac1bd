package remediate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/tiergate/tiergate/remediate"
)

// TestKustomizeBuildsFixedObjects runs kustomize itself over the output,
// with the input as its base, and audits what it builds: the findings the
// fixes claim are gone.
func TestKustomizeBuildsFixedObjects(t *testing.T) {
	for _, in := range inputs(t) {
		t.Run(filepath.Base(in), func(t *testing.T) {
			fx := load(t, in, nil)
			files, err := remediate.Kustomize(fx.res)
			if err != nil {
				t.Fatal(err)
			}
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			fs := filesys.MakeFsInMemory()
			must(t, fs.WriteFile("/base/input.yaml", src))
			must(t, fs.WriteFile("/base/kustomization.yaml", []byte("resources:\n- input.yaml\n")))
			for _, f := range files {
				data := f.Data
				if f.Name == "kustomization.yaml" {
					if !strings.Contains(string(data), "# - ../base\n") {
						t.Fatalf("kustomization.yaml has no base placeholder:\n%s", data)
					}
					data = []byte(strings.Replace(string(data), "# - ../base\n", "- ../base\n", 1))
				}
				must(t, fs.WriteFile("/fix/"+f.Name, data))
			}
			built, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/fix")
			if err != nil {
				t.Fatalf("kustomize build: %v", err)
			}
			y, err := built.AsYaml()
			if err != nil {
				t.Fatal(err)
			}
			checked := claimsGone(t, fx, y, "kustomize build", false)
			// Objects whose pod spec cannot change in place are named, not patched.
			for _, c := range fx.res.Changes {
				if c.Recreate && !strings.Contains(string(files[0].Data), "# Not here: "+c.Target.String()) {
					t.Errorf("kustomization.yaml does not say %s is left out:\n%s", c.Target, files[0].Data)
				}
			}
			if checked == 0 {
				t.Fatal("no fix to check")
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
