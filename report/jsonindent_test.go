package report

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// indentCases are compact JSON documents with what trips an indenter:
// empty objects and arrays (kept {} and []), nesting, escaped quotes and
// backslashes ending strings, brackets, commas and colons inside strings.
var indentCases = []string{
	`{}`, `[]`, `""`, `1`, `null`,
	`{"a":1}`, `[1,2,3]`, `{"a":{},"b":[],"c":[{}],"d":[[]]}`,
	`{"a":"x\"y","b":"\\","c":"\\\"","d":"{[,:]}"}`,
	`{"k:,{":"v]}\\\\","n":[{"a":[1,{"b":null}]},true,false]}`,
	`{"u":"\u003cscript\u003e \u0026 é 日本"}`,
	`[{"a":{"b":{"c":[]}}},{"d":{}}]`,
}

// TestAppendIndentedMatchesIndent: the fast indenter writes what
// json.Indent writes, with and without a prefix.
func TestAppendIndentedMatchesIndent(t *testing.T) {
	for _, src := range indentCases {
		for _, prefix := range []string{"", "    "} {
			var want bytes.Buffer
			if err := json.Indent(&want, []byte(src), prefix, "  "); err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if got := appendIndented(nil, []byte(src), prefix, "  "); string(got) != want.String() {
				t.Errorf("%s with prefix %q:\n got: %s\nwant: %s", src, prefix, got, want.String())
			}
		}
	}
}

// FuzzAppendIndented compares the indenter with json.Indent over any
// value json.Marshal writes (the only input it is given).
func FuzzAppendIndented(f *testing.F) {
	for _, s := range indentCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var v any
		if json.Unmarshal([]byte(src), &v) != nil {
			return
		}
		compact, err := json.Marshal(v)
		if err != nil {
			return
		}
		var want bytes.Buffer
		if err := json.Indent(&want, compact, "    ", "  "); err != nil {
			t.Fatal(err)
		}
		if got := appendIndented(nil, compact, "    ", "  "); string(got) != want.String() {
			t.Errorf("got: %s\nwant: %s", got, want.String())
		}
	})
}

// BenchmarkAppendIndented indents one workload's result as the JSON
// report writes it (go test -bench AppendIndented ./report).
func BenchmarkAppendIndented(b *testing.B) {
	src, err := os.ReadFile("testdata/indent-bench.json")
	if err != nil {
		b.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, src); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(compact.Len()))
	var dst []byte
	for b.Loop() {
		dst = appendIndented(dst[:0], compact.Bytes(), "    ", "  ")
	}
}
