package metrics

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "expositions", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func val(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// TestReadEachEngine reads each engine's exposition (testdata/SOURCES.md:
// real captures, but TGI, written from its documented names and types).
func TestReadEachEngine(t *testing.T) {
	at := time.Unix(1700000000, 0)
	for _, tt := range []struct {
		file, engine                                 string
		tokens, prompt, inferences, running, waiting string
		kv                                           string
	}{
		{"vllm.prom", "vLLM", "27453", "nil", "nil", "8", "nil", "nil"},
		{"sglang.prom", "SGLang", "7.557572e+06", "8.128902e+06", "nil", "162", "2826", "0.28"},
		{"llamacpp.prom", "llama.cpp", "3469", "6886", "nil", "0", "0", "0.491063"},
		{"tgi.prom", "Hugging Face TGI", "1200", "nil", "nil", "2", "0", "nil"},
		{"triton.prom", "NVIDIA Triton", "nil", "nil", "0", "0", "nil", "nil"},
	} {
		t.Run(tt.engine, func(t *testing.T) {
			fams, err := Parse(readSample(t, tt.file), "text/plain; version=0.0.4")
			if err != nil {
				t.Fatal(err)
			}
			r, ok := Read(fams, at)
			if !ok || r.Engine != tt.engine {
				t.Fatalf("engine %q (ok %v), want %s", r.Engine, ok, tt.engine)
			}
			got := []string{val(r.Tokens), val(r.Prompt), val(r.Inferences), val(r.Running), val(r.Waiting), val(r.KVCache)}
			want := []string{tt.tokens, tt.prompt, tt.inferences, tt.running, tt.waiting, tt.kv}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("tokens prompt inferences running waiting kv = %v, want %v", got, want)
			}
		})
	}
}

func TestParseNotAnEngine(t *testing.T) {
	for _, f := range []string{"dcgm.prom", "dcgm-labels.prom", "cadvisor.prom"} {
		fams, err := Parse(readSample(t, f), "")
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if r, ok := Read(fams, time.Now()); ok {
			t.Errorf("%s read as engine %s", f, r.Engine)
		}
	}
}

func TestParseOpenMetrics(t *testing.T) {
	body := "# TYPE vllm:generation_tokens counter\n" +
		"vllm:generation_tokens_total{model_name=\"m\"} 100\n" +
		"vllm:generation_tokens_created{model_name=\"m\"} 1.7e9\n" +
		"# TYPE vllm:num_requests_running gauge\n" +
		"vllm:num_requests_running{model_name=\"m\"} 3\n# EOF\n"
	fams, err := Parse([]byte(body), "application/openmetrics-text; version=1.0.0; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	r, ok := Read(fams, time.Now())
	if !ok || val(r.Tokens) != "100" || val(r.Running) != "3" {
		t.Errorf("OpenMetrics: %+v tokens %s running %s", r, val(r.Tokens), val(r.Running))
	}
}

func TestParseEdgeCases(t *testing.T) {
	// NaN and ±Inf series are not summed; a series with a value is.
	fams, err := Parse([]byte("vllm:generation_tokens_total{m=\"a\"} NaN\nvllm:generation_tokens_total{m=\"b\"} +Inf\nvllm:generation_tokens_total{m=\"c\"} 5\nvllm:num_requests_running NaN"), "")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := Read(fams, time.Now())
	if val(r.Tokens) != "5" || r.Running != nil {
		t.Errorf("NaN/Inf: tokens %s running %s", val(r.Tokens), val(r.Running))
	}
	// Many series with many labels parse (no limit but the size).
	var b strings.Builder
	for i := range 500 {
		fmt.Fprintf(&b, "vllm:generation_tokens_total{")
		for j := range 60 {
			fmt.Fprintf(&b, "l%d=\"%d-%d\",", j, i, j)
		}
		b.WriteString("} 1\n")
	}
	fams, err = Parse([]byte(b.String()), "")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := Read(fams, time.Now()); val(r.Tokens) != "500" {
		t.Errorf("500 series with 60 labels: tokens %s", val(r.Tokens))
	}
	if _, err := Parse(make([]byte, MaxExposition+1), ""); err != ErrTooLarge {
		t.Errorf("oversized: %v", err)
	}
	if _, err := Parse([]byte("vllm:x{a=\"1\",a=\"2\"} 1\n"), ""); err == nil {
		t.Error("duplicate label names accepted")
	}
}

func TestRatesBetween(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	t0 := time.Unix(1000, 0)
	for _, tt := range []struct {
		name       string
		prev, cur  Reading
		tokens     string
		prompt     string
		inferences string
	}{
		{"steady", Reading{Engine: "vLLM", At: t0, Tokens: f(100), Prompt: f(10)}, Reading{Engine: "vLLM", At: t0.Add(5 * time.Second), Tokens: f(600), Prompt: f(60)}, "100", "10", "nil"},
		{"reset counts the new value", Reading{Engine: "vLLM", At: t0, Tokens: f(5000)}, Reading{Engine: "vLLM", At: t0.Add(2 * time.Second), Tokens: f(40)}, "20", "nil", "nil"},
		{"idle", Reading{Engine: "SGLang", At: t0, Tokens: f(7)}, Reading{Engine: "SGLang", At: t0.Add(time.Second), Tokens: f(7)}, "0", "nil", "nil"},
		{"counter appeared", Reading{Engine: "vLLM", At: t0}, Reading{Engine: "vLLM", At: t0.Add(time.Second), Tokens: f(3)}, "nil", "nil", "nil"},
		{"another engine", Reading{Engine: "vLLM", At: t0, Tokens: f(1)}, Reading{Engine: "TGI", At: t0.Add(time.Second), Tokens: f(9)}, "nil", "nil", "nil"},
		{"same instant", Reading{Engine: "vLLM", At: t0, Tokens: f(1)}, Reading{Engine: "vLLM", At: t0, Tokens: f(9)}, "nil", "nil", "nil"},
		{"backwards in time", Reading{Engine: "vLLM", At: t0, Tokens: f(1)}, Reading{Engine: "vLLM", At: t0.Add(-time.Second), Tokens: f(9)}, "nil", "nil", "nil"},
		{"negative counter", Reading{Engine: "vLLM", At: t0, Tokens: f(1)}, Reading{Engine: "vLLM", At: t0.Add(time.Second), Tokens: f(-9)}, "nil", "nil", "nil"},
		{"triton inferences", Reading{Engine: "Triton", At: t0, Inferences: f(10)}, Reading{Engine: "Triton", At: t0.Add(4 * time.Second), Inferences: f(30)}, "nil", "nil", "5"},
	} {
		r := RatesBetween(tt.prev, tt.cur)
		if got := []string{val(r.Tokens), val(r.Prompt), val(r.Inferences)}; strings.Join(got, " ") != tt.tokens+" "+tt.prompt+" "+tt.inferences {
			t.Errorf("%s: tokens prompt inferences = %v, want %s %s %s", tt.name, got, tt.tokens, tt.prompt, tt.inferences)
		}
	}
}

// FuzzScrapeAndRate: any two bodies parse or fail cleanly, and a rate
// from them is finite and never negative. Bodies are fuzzed as Prometheus
// text, what tiergate asks exporters for (expfmt's OpenMetrics decoder
// takes a second an input to build its grammar; TestParseOpenMetrics
// covers that path).
func FuzzScrapeAndRate(f *testing.F) {
	for _, name := range []string{"vllm.prom", "sglang.prom", "llamacpp.prom", "tgi.prom", "triton.prom"} {
		b, err := os.ReadFile(filepath.Join("testdata", "expositions", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, b, int64(1500))
	}
	f.Add([]byte("vllm:generation_tokens_total 1e308\n"), []byte("vllm:generation_tokens_total -1e308\n"), int64(1))
	f.Add([]byte("nv_inference_count{model=\"a\"} 5\nnv_inference_count{model=\"b\"} NaN\n"), []byte("nv_inference_count{model=\"b\"} 1\n"), int64(0))
	f.Fuzz(func(t *testing.T, a, b []byte, ms int64) {
		t0 := time.Unix(1000, 0)
		fa, errA := Parse(a, "text/plain; version=0.0.4")
		fb, errB := Parse(b, "text/plain; version=0.0.4")
		if errA != nil || errB != nil {
			return
		}
		ra, okA := Read(fa, t0)
		rb, okB := Read(fb, t0.Add(time.Duration(ms)*time.Millisecond))
		if !okA || !okB {
			return
		}
		r := RatesBetween(ra, rb)
		for _, v := range []*float64{r.Tokens, r.Prompt, r.Inferences} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0) {
				t.Fatalf("rate %v from %q then %q", *v, a, b)
			}
		}
	})
}
