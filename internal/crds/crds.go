// Package crds holds the released CustomResourceDefinitions of the
// custom resources tiergate reads, copied verbatim from each project's
// repository (testdata/SOURCES.tsv names the repository, commit, path and
// served versions of each): the lab and the integration tests install
// these, never definitions of our own, so that objects are validated by
// the schemas the field's operators ship.
package crds

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

//go:embed testdata/*.yaml testdata/SOURCES.tsv
var files embed.FS

// Source is one released CRD and where it comes from.
type Source struct {
	// File is its name under testdata/.
	File        string
	Group, Kind string
	// Repository, Commit and Path say where it was copied from.
	Repository, Commit, Path string
	// Versions are the versions it serves, in the CRD's order; Storage is
	// the one it stores.
	Versions []string
	Storage  string
}

// GroupKind is the group and kind the CRD defines.
func (s Source) GroupKind() schema.GroupKind { return schema.GroupKind{Group: s.Group, Kind: s.Kind} }

var (
	loadSources = sync.OnceValues(readSources)
)

// All lists the released CRDs, in SOURCES.tsv's order.
func All() ([]Source, error) {
	s, err := loadSources()
	return append([]Source(nil), s...), err
}

// For finds the released CRD of a group and kind.
func For(gk schema.GroupKind) (Source, bool) {
	all, err := loadSources()
	if err != nil {
		return Source{}, false
	}
	for _, s := range all {
		if s.GroupKind() == gk {
			return s, true
		}
	}
	return Source{}, false
}

// Read parses the CRD of s.
func Read(s Source) (*unstructured.Unstructured, error) {
	b, err := files.ReadFile("testdata/" + s.File)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := yaml.Unmarshal(b, &obj); err != nil {
		return nil, fmt.Errorf("%s: %w", s.File, err)
	}
	u := &unstructured.Unstructured{Object: obj}
	if u.GetKind() != "CustomResourceDefinition" {
		return nil, fmt.Errorf("%s: a %s, not a CustomResourceDefinition", s.File, u.GetKind())
	}
	return u, nil
}

// readSources reads SOURCES.tsv: a header, then one tab-separated line
// per CRD (file, group, kind, repository, commit, path, versions served
// with "*" after the stored one).
func readSources() ([]Source, error) {
	b, err := files.ReadFile("testdata/SOURCES.tsv")
	if err != nil {
		return nil, err
	}
	var out []Source
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 0; sc.Scan(); n++ {
		if n == 0 || strings.TrimSpace(sc.Text()) == "" {
			continue // the header
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 7 {
			return nil, fmt.Errorf("SOURCES.tsv:%d: %d fields, want 7", n+1, len(f))
		}
		s := Source{File: f[0], Group: f[1], Kind: f[2], Repository: f[3], Commit: f[4], Path: f[5]}
		for _, v := range strings.Split(f[6], ",") {
			if stored, ok := strings.CutSuffix(v, "*"); ok {
				v, s.Storage = stored, stored
			}
			s.Versions = append(s.Versions, v)
		}
		if s.Storage == "" {
			return nil, fmt.Errorf("SOURCES.tsv:%d: no stored version marked with *", n+1)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}
