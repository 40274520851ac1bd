package metrics

import (
	"os"
	"testing"
)

// TestSummaryRSSOfARealNode reads a kubelet Summary API response recorded
// from a real GKE node (testdata/SOURCES.md); tiergate's own tests cannot
// reach a kubelet (kwok plays them), so the client is tested on it.
func TestSummaryRSSOfARealNode(t *testing.T) {
	b, err := os.ReadFile("testdata/summary-gke.json")
	if err != nil {
		t.Fatal(err)
	}
	rss, err := SummaryRSS(b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[PodKey]float64{
		{"datadog", "dd-agent-ntepl"}:                         114466816, // three containers
		{"kube-system", "fluentd-gcp-scaler-54ccb89d5-pvjz2"}: 102400,
	}
	if len(rss) != len(want) {
		t.Errorf("pods %v, want %v", rss, want)
	}
	for k, v := range want {
		if rss[k] != v {
			t.Errorf("%s: rss %v, want %v", k, rss[k], v)
		}
	}
	if _, err := SummaryRSS([]byte("<html>")); err == nil {
		t.Error("a body that is not JSON was read")
	}
}

func TestCAdvisorRSSByPod(t *testing.T) {
	fams, err := Parse(readSample(t, "cadvisor.prom"), "")
	if err != nil {
		t.Fatal(err)
	}
	rss := CAdvisorRSSByPod(fams)
	// Pre-1.16 labels (pod_name, container_name); the pause container
	// ("POD") and cgroup totals are not counted.
	if got := rss[PodKey{"default", "dd-agent-q6hpw"}]; got != 1.57523968e+08 {
		t.Errorf("dd-agent-q6hpw: %v", got)
	}
	if got := rss[PodKey{"kube-system", "kube-proxy-gke-haissam-default-pool-be5066f1-wnvn"}]; got != 1.0489856e+07 {
		t.Errorf("kube-proxy: %v", got)
	}
	modern, err := Parse([]byte(`container_memory_rss{container="vllm",namespace="llm",pod="vllm-0"} 100
container_memory_rss{container="sidecar",namespace="llm",pod="vllm-0"} 20
container_memory_rss{container="",namespace="llm",pod="vllm-0"} 999
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := CAdvisorRSSByPod(modern)[PodKey{"llm", "vllm-0"}]; got != 120 {
		t.Errorf("modern labels: %v, want 120", got)
	}
}

func TestDCGMByPod(t *testing.T) {
	fams, err := Parse(readSample(t, "dcgm-labels.prom"), "")
	if err != nil {
		t.Fatal(err)
	}
	use := DCGMByPod(fams)
	if u, ok := use[PodKey{"foo", "bar"}]; !ok || val(u.Util) != "0" {
		t.Errorf("foo/bar: %+v", use)
	}
	fams, err = Parse(readSample(t, "dcgm.prom"), "")
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := DCGMByPod(fams)[PodKey{"ray-llm", "ray-1111111"}]; ok && u.Util != nil {
		t.Errorf("a pod without a GPU_UTIL series has a utilisation: %+v", u)
	}
	two, err := Parse([]byte(`DCGM_FI_DEV_GPU_UTIL{gpu="0",namespace="llm",pod="vllm-0"} 90
DCGM_FI_DEV_GPU_UTIL{gpu="1",namespace="llm",pod="vllm-0"} 70
DCGM_FI_DEV_FB_USED{gpu="0",namespace="llm",pod="vllm-0"} 1024
DCGM_FI_DEV_FB_USED{gpu="1",namespace="llm",pod="vllm-0"} 1024
DCGM_FI_DEV_GPU_UTIL{gpu="2"} 5
`), "")
	if err != nil {
		t.Fatal(err)
	}
	u := DCGMByPod(two)[PodKey{"llm", "vllm-0"}]
	if val(u.Util) != "80" || val(u.MemoryUsedBytes) != "2.147483648e+09" || len(DCGMByPod(two)) != 1 {
		t.Errorf("two GPUs: util %s mem %s (%d pods)", val(u.Util), val(u.MemoryUsedBytes), len(DCGMByPod(two)))
	}
}

func TestCells(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tt := range []struct {
		pod    *Pod
		figure string
		want   string
		ok     bool
	}{
		{&Pod{RSSBytes: f(1.5 * (1 << 30)), RSSSource: SourceSummary}, FigureRSS, "1.5Gi", true},
		{&Pod{RSSBytes: f(512 * (1 << 20)), RSSSource: SourceWorkingSet}, FigureRSS, "512Mi ws", true},
		{&Pod{RSSBytes: f(900)}, FigureRSS, "900B", true},
		{&Pod{TokensPerSecond: f(512.4)}, FigureTokens, "512", true},
		{&Pod{TokensPerSecond: f(0)}, FigureTokens, "0.0", true},
		{&Pod{InferencesPerSecond: f(3.25)}, FigureTokens, "3.2 inf", true},
		{&Pod{GPUUtil: f(72.4)}, FigureGPU, "72%", true},
		{&Pod{Why: map[string]string{FigureTokens: WhyNotServer}}, FigureTokens, "not LLM", false},
		{&Pod{Why: map[string]string{FigureRSS: WhyForbidden}}, FigureRSS, "forbidden", false},
		{&Pod{}, FigureGPU, WhyNoSource, false},
		{nil, FigureGPU, WhyNoSource, false},
	} {
		if got, ok := tt.pod.Cell(tt.figure); got != tt.want || ok != tt.ok {
			t.Errorf("%+v %s: %q %v, want %q %v", tt.pod, tt.figure, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSummaryRSSPodLevelFallback(t *testing.T) {
	rss, err := SummaryRSS([]byte(`{"node":{"nodeName":"n"},"pods":[
{"podRef":{"name":"kata-0","namespace":"agents","uid":"u"},"containers":[{"name":"agent","memory":{"workingSetBytes":5}}],"memory":{"rssBytes":4096}},
{"podRef":{"name":"bare-0","namespace":"agents","uid":"v"},"containers":[{"name":"x"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rss) != 1 || rss[PodKey{"agents", "kata-0"}] != 4096 {
		t.Errorf("pod-level fallback: %v", rss)
	}
}

// TestPodMemoryIsThePodCgroup: the bench compares whole pods (a sandbox's
// own processes live in the pod cgroup, beside the containers), so it
// reads the pod-level figures, never the containers' sum.
func TestPodMemoryIsThePodCgroup(t *testing.T) {
	b, err := os.ReadFile("testdata/summary-gke.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := SummaryPodMemory(b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[PodKey]PodMemory{
		{"datadog", "dd-agent-ntepl"}:                         {RSS: 114577408, WorkingSet: 124628992, Source: SourceSummary},
		{"kube-system", "fluentd-gcp-scaler-54ccb89d5-pvjz2"}: {RSS: 106496, WorkingSet: 42012672, Source: SourceSummary},
	}
	if len(got) != len(want) {
		t.Errorf("pods %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %+v, want %+v", k, got[k], v)
		}
	}
	if _, err := SummaryPodMemory([]byte("<html>")); err == nil {
		t.Error("a body that is not JSON was read")
	}
	fams, err := Parse([]byte(`container_memory_rss{container="vllm",namespace="llm",pod="vllm-0"} 100
container_memory_rss{container="",namespace="llm",pod="vllm-0"} 999
container_memory_working_set_bytes{container="",namespace="llm",pod="vllm-0"} 1500
container_memory_rss{container="",namespace="",pod=""} 5000
container_memory_rss{container_name="",namespace="old",pod_name="p"} 7
`), "")
	if err != nil {
		t.Fatal(err)
	}
	cm := CAdvisorPodMemory(fams)
	if len(cm) != 2 || cm[PodKey{"llm", "vllm-0"}] != (PodMemory{RSS: 999, WorkingSet: 1500, Source: SourceCAdvisor}) || cm[PodKey{"old", "p"}].RSS != 7 {
		t.Errorf("cAdvisor pod cgroups: %+v", cm)
	}
}
