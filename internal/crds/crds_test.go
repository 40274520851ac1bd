package crds

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestSourcesDescribeTheirFiles reads every CRD under testdata and checks
// its SOURCES.tsv line: the group, kind and served versions are the
// file's, the stored version is the one it stores, the commit is a full
// hash, the file is named as controller-gen names it, and no CRD file is
// left without a line.
func TestSourcesDescribeTheirFiles(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 10 {
		t.Fatalf("%d CRDs", len(all))
	}
	hash := regexp.MustCompile(`^[0-9a-f]{40}$`)
	listed := map[string]bool{}
	for _, s := range all {
		listed[s.File] = true
		u, err := Read(s)
		if err != nil {
			t.Error(err)
			continue
		}
		group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(u.Object, "spec", "names", "kind")
		plural, _, _ := unstructured.NestedString(u.Object, "spec", "names", "plural")
		if group != s.Group || kind != s.Kind {
			t.Errorf("%s: defines %s.%s, SOURCES.tsv says %s.%s", s.File, kind, group, s.Kind, s.Group)
		}
		if s.File != group+"_"+plural+".yaml" || u.GetName() != plural+"."+group {
			t.Errorf("%s: defines %s (%s_%s.yaml)", s.File, u.GetName(), group, plural)
		}
		var served []string
		stored := ""
		versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
		for _, v := range versions {
			v := v.(map[string]any)
			if v["served"] == true {
				served = append(served, v["name"].(string))
			}
			if v["storage"] == true {
				stored = v["name"].(string)
			}
		}
		if !slices.Equal(served, s.Versions) || stored != s.Storage {
			t.Errorf("%s: serves %v, stores %s; SOURCES.tsv says %v, %s", s.File, served, stored, s.Versions, s.Storage)
		}
		if !hash.MatchString(s.Commit) || s.Repository == "" || s.Path == "" {
			t.Errorf("%s: source %s@%s:%s", s.File, s.Repository, s.Commit, s.Path)
		}
		if got, ok := For(s.GroupKind()); !ok || got.File != s.File {
			t.Errorf("For(%v) = %v, %v", s.GroupKind(), got, ok)
		}
	}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "SOURCES.tsv" && !listed[e.Name()] {
			t.Errorf("testdata/%s has no SOURCES.tsv line", e.Name())
		}
	}
}
