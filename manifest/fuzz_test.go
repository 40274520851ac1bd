package manifest

import (
	"testing"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// FuzzParse feeds arbitrary bytes through the loader and the engine: they
// may return errors, never panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(multiDoc))
	f.Add([]byte(`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"vllm/vllm-openai"}]}}]}`))
	f.Add([]byte("apiVersion: leaderworkerset.x-k8s.io/v1\nkind: LeaderWorkerSet\nmetadata: {name: x}\nspec:\n  leaderWorkerTemplate:\n    workerTemplate:\n      spec:\n        containers: [{name: w, image: lmsysorg/sglang}]\n"))
	f.Add([]byte("apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: m}\nspec: {predictor: {model: {modelFormat: {name: huggingface}}}}\n"))
	f.Add([]byte("--- |\n  text\n...\n---\n- 1\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("{{- if .Values.x }}\nmetadata:\n  name: {{ .Release.Name }}\n  labels:\n    {{- include \"l\" . | nindent 4 }}\n{{- end }}\n"))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: \"{{ x }}\"}\n---\na: \x00\x07\xff\n"))
	f.Add([]byte("\xff\xfea\x00:\x00 \x00{\x00{\x00\n\x00"))
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := Parse("fuzz.yaml", data, ParseOptions{Positions: true})
		if err != nil {
			return
		}
		inv, _, err := Build(objs, BuildOptions{})
		if err != nil {
			return
		}
		e.Audit(inv, audit.Options{})
	})
}
