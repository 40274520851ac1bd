package manifest

import (
	"strings"
	"testing"
)

const multiDoc = `# a comment before the first document
apiVersion: v1
kind: ServiceAccount
metadata:
  name: first
---
# second document
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
  namespace: llm
spec:
  template:
    metadata:
      labels: {app: vllm}
    spec:
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.9.2
---
---
...
`

func TestParseMultiDocumentLines(t *testing.T) {
	objs, err := Parse("m.yaml", []byte(multiDoc), ParseOptions{Positions: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Fatalf("got %d objects, want 2", len(objs))
	}
	if objs[0].Line != 2 || objs[1].Line != 8 {
		t.Errorf("document lines: got %d and %d, want 2 and 8", objs[0].Line, objs[1].Line)
	}
	if got := objs[1].Lines["spec.template.spec.containers[0].image"]; got != 20 {
		t.Errorf("image line: got %d, want 20", got)
	}
}

func TestParseJSONForms(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      int
	}{
		{"object", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}`, 1},
		{"array", `[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}},{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b"}}]`, 2},
		{"stream", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}\n{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"b\"}}", 2},
		{"list", `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}},{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"}}]}`, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Parse("x.json", []byte(tt.doc), ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != tt.want {
				t.Fatalf("got %d objects, want %d", len(objs), tt.want)
			}
		})
	}
}

func TestParseKubectlListKeepsItemLines(t *testing.T) {
	doc := `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: a
- apiVersion: v1
  kind: Pod
  metadata:
    name: b
  spec:
    containers:
    - name: c
      image: busybox
metadata:
  resourceVersion: ""
`
	objs, err := Parse("list.yaml", []byte(doc), ParseOptions{Positions: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[1].GetName() != "b" {
		t.Fatalf("got %d objects", len(objs))
	}
	if objs[1].Line != 8 || objs[1].Lines["spec.containers[0].image"] != 15 {
		t.Errorf("item lines: doc %d, image %d; want 8 and 15", objs[1].Line, objs[1].Lines["spec.containers[0].image"])
	}
}

func TestParseErrorsAreOneLineWithLocation(t *testing.T) {
	for _, tt := range []struct{ name, doc, want string }{
		{"syntax", "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: {a: b\n  annotations: {}\n", "bad.yaml:8: did not find expected"},
		{"tab indentation", "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n", "bad.yaml:4:"},
		{"helm template", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n", "bad.yaml:"},
		{"scalar", "just a string\n", "bad.yaml:1: expected a Kubernetes object (a mapping), found a scalar"},
		{"list document", "- a\n- b\n", "found a list"},
		{"no kind", "apiVersion: v1\nmetadata:\n  name: x\n", "bad.yaml:1: object has no kind"},
		{"json", `{"apiVersion": "v1", "kind": "Pod",`, "bad.yaml:1: invalid JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.doc), ParseOptions{})
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %q, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestParseEmptyAndCommentOnly(t *testing.T) {
	objs, err := Parse("e.yaml", []byte("# nothing here\n---\n\n"), ParseOptions{})
	if err != nil || len(objs) != 0 {
		t.Fatalf("got %d objects, %v", len(objs), err)
	}
}

func TestTypeErrorsNameTheField(t *testing.T) {
	objs, err := Parse("d.yaml", []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        env:\n        - {name: PORT, value: 8000}\n"), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = Build(objs, BuildOptions{})
	if err == nil || !strings.Contains(err.Error(), "field containers.env.value: a number where a string belongs") {
		t.Fatalf("got %v", err)
	}
}

func TestScalarDocumentIsNotQuoted(t *testing.T) {
	_, err := Parse("tok.yaml", []byte("ghp_0123456789abcdefSECRET\n"), ParseOptions{})
	if err == nil || strings.Contains(err.Error(), "ghp_") {
		t.Fatalf("got %v", err)
	}
}
