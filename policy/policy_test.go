package policy

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestDefaultCompiles(t *testing.T) {
	c, err := Compile(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		typ  WorkloadType
		want Isolation
	}{{Inference, SharedKernel}, {Retrieval, GVisor}, {Agent, VM}, {CodeExec, MicroVM}} {
		tier, ok := c.Tier(tt.typ)
		if !ok || tier.Minimum != tt.want {
			t.Errorf("tier %s: got %v %v, want %s", tt.typ, tier, ok, tt.want)
		}
	}
	if _, ok := c.Tier(None); ok {
		t.Error("none must have no tier")
	}
}

func TestHandlerMapping(t *testing.T) {
	c, err := Compile(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		handler string
		iso     Isolation
		gpu     GPUSupport
	}{
		{"", SharedKernel, GPUAll},
		{"runc", SharedKernel, GPUAll},
		{"crun", SharedKernel, GPUAll},
		{"nvidia", SharedKernel, GPUAll},
		{"nvidia-experimental", SharedKernel, GPUAll},
		{"wasmtime", SharedKernel, GPUNone},
		{"wasmtimed", SharedKernel, GPUNone},
		{"runsc", GVisor, GPUNVProxy},
		{"runsc-nvproxy", GVisor, GPUNVProxy},
		{"gvisor", GVisor, GPUNVProxy},
		{"kata", VM, GPUNone},
		{"kata-qemu", VM, GPUNone},
		{"kata-qemu-runtime-rs", VM, GPUNone},
		{"kata-qemu-snp", VM, GPUNone},
		{"kata-qemu-tdx", VM, GPUNone},
		{"kata-qemu-se", VM, GPUNone},
		{"kata-qemu-cca", VM, GPUNone},
		{"kata-qemu-coco-dev", VM, GPUNone},
		{"kata-stratovirt", VM, GPUNone},
		{"kata-remote", VM, GPUNone},
		{"kata-qemu-nvidia-gpu", VM, GPUNVIDIA},
		{"kata-qemu-nvidia-gpu-snp", VM, GPUNVIDIA},
		{"kata-qemu-nvidia-gpu-tdx", VM, GPUNVIDIA},
		{"kata-nvidia-gpu", VM, GPUNVIDIA},
		{"kata-vm-isolation", VM, GPUNone},
		{"kata-mshv-vm-isolation", VM, GPUNone},
		{"edera", VM, GPUNone},
		{"kata-fc", MicroVM, GPUNone},
		{"kata-clh", MicroVM, GPUNone},
		{"kata-clh-runtime-rs", MicroVM, GPUNone},
		{"kata-cloud-hypervisor", MicroVM, GPUNone},
		{"kata-dragonball", MicroVM, GPUNone},
		{"aws.firecracker", MicroVM, GPUNone},
		{"firecracker", MicroVM, GPUNone},
	} {
		h, ok := c.Handler(tt.handler)
		if !ok || h.Isolation != tt.iso || h.GPU != tt.gpu {
			t.Errorf("handler %q: got %s/%s (found %v), want %s/%s", tt.handler, h.Isolation, h.GPU, ok, tt.iso, tt.gpu)
		}
	}
	for _, unknown := range []string{"vsand", "my-runtime", "katax"} {
		if h, ok := c.Handler(unknown); ok {
			t.Errorf("handler %q: matched %q, want no match", unknown, h.Match)
		}
	}
}

func TestParseRejectsTyposAndWrongKind(t *testing.T) {
	for _, tt := range []struct{ name, doc, want string }{
		{"unknown field", "apiVersion: tiergate.dev/v1alpha1\nkind: Policy\ntierz: {}\n", "tierz: unknown field"},
		{"wrong kind", "apiVersion: v1\nkind: ConfigMap\n", "apiVersion: want tiergate.dev/v1alpha1, got \"v1\"; kind: want Policy, got \"ConfigMap\""},
		{"not yaml", "apiVersion: [\n", "line 1: did not find expected node content"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestMergeLaysUserOverDefault(t *testing.T) {
	user, err := Parse([]byte(`apiVersion: tiergate.dev/v1alpha1
kind: Policy
tiers:
  inference: {minimum: gvisor}
handlers:
- {match: "kata-qemu", isolation: microvm, gpu: none, note: "our Kata is hardened"}
- {match: "vsand", isolation: vm, gpu: none}
rules:
  TG-PSS-004: {disabled: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	merged := Merge(def, user)
	c, err := Compile(merged)
	if err != nil {
		t.Fatal(err)
	}
	if tier, _ := c.Tier(Inference); tier.Minimum != GVisor {
		t.Errorf("inference minimum: got %s, want gvisor", tier.Minimum)
	}
	if tier, _ := c.Tier(Agent); tier.Minimum != VM {
		t.Errorf("agent minimum must keep the default, got %s", tier.Minimum)
	}
	if h, _ := c.Handler("kata-qemu"); h.Isolation != MicroVM {
		t.Errorf("user handler mapping must win, got %s", h.Isolation)
	}
	if h, ok := c.Handler("vsand"); !ok || h.Isolation != VM {
		t.Errorf("user handler vsand: got %v %v", h, ok)
	}
	if !c.RuleOverride("TG-PSS-004").Disabled {
		t.Error("rule override lost")
	}
	if def.Tiers[Inference].Minimum != SharedKernel || len(def.Handlers) != len(Default().Handlers) {
		t.Error("Merge changed its base")
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	p := Default()
	p.Tiers[Agent] = Tier{Minimum: "vmm"}
	p.Handlers = append(p.Handlers, HandlerRule{Match: "[", Isolation: "box", GPU: "some"})
	p.Classification = []ClassificationRule{{Name: "", Type: "bot", Image: "("}}
	p.Rules = map[string]RuleOverride{"TG-ISO-001": {Severity: "urgent"}}
	p.Exemptions = []Exemption{{Rule: "TG-ISO-001", Name: "x"}, {Rule: "TG-ISO-001", Reason: "ok", Expires: "31/12/2026"},
		{Rule: "TG-[NET-001", Namespace: "*", Name: "*", Reason: "typo"}}
	_, err := Compile(p)
	ve, ok := err.(ValidationError)
	if !ok {
		t.Fatalf("got %v, want a ValidationError", err)
	}
	msg := ve.Error()
	h := fmt.Sprintf("handlers[%d]", len(Default().Handlers)) // the one appended
	for _, want := range []string{
		`tiers.agent.minimum: "vmm" is not one of shared-kernel, gvisor, vm, microvm`,
		h + `.match: bad glob "["`,
		h + `.isolation: "box" is not one of shared-kernel, gvisor, vm, microvm, unknown`,
		h + `.gpu: "some" is not one of all, nvidia, nvproxy, none`,
		"classification[0].name: required",
		`classification[0].type: "bot" is not one of inference, retrieval, agent, code-exec, none`,
		"classification[0].image: bad regular expression:",
		`rules.TG-ISO-001.severity: "urgent" is not one of low, medium, high, critical`,
		"exemptions[0].reason: required",
		`exemptions[1].expires: "31/12/2026" is not a YYYY-MM-DD date`,
		`exemptions[2].rule: bad glob "TG-[NET-001"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	// Every problem starts with the path of its field.
	for _, e := range ve {
		if !fieldPath.MatchString(e) {
			t.Errorf("no field path: %q", e)
		}
	}
	// In the same order every time (tiers and rules are maps).
	for range 20 {
		_, again := Compile(p)
		if again.Error() != msg {
			t.Fatalf("order changed:\n%s\n%s", msg, again)
		}
	}
}

// fieldPath is a problem that starts with its field: tiers.agent.minimum,
// exemptions[2].rule, classification[0].
var fieldPath = regexp.MustCompile(`^[a-zA-Z]+((\[\d+\])|\.[A-Za-z0-9_-]+)*: `)

func TestClassifyRules(t *testing.T) {
	p := Default()
	p.Classification = []ClassificationRule{
		{Name: "corp-agents", Type: Agent, Image: `^registry\.example\.com/agents/`},
		{Name: "labelled", Type: CodeExec, Selector: "sandbox=true"},
		{Name: "both", Type: Retrieval, Image: "search", Selector: "team=rag"},
	}
	c, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		images []string
		labels map[string]string
		want   WorkloadType
		ok     bool
	}{
		{[]string{"registry.example.com/agents/planner:1"}, nil, Agent, true},
		{[]string{"nginx"}, map[string]string{"sandbox": "true"}, CodeExec, true},
		{[]string{"acme/search:2"}, map[string]string{"team": "rag"}, Retrieval, true},
		{[]string{"acme/search:2"}, map[string]string{"team": "web"}, "", false},
		{[]string{"nginx"}, nil, "", false},
	} {
		r, why, ok := c.Classify(tt.images, tt.labels)
		if ok != tt.ok || r.Type != tt.want {
			t.Errorf("%v %v: got %s %v (%s), want %s %v", tt.images, tt.labels, r.Type, ok, why, tt.want, tt.ok)
		}
	}
}

func TestExempt(t *testing.T) {
	p := Default()
	p.Exemptions = []Exemption{
		{Namespace: "ml", Name: "legacy-*", Rule: "TG-ISO-001", Reason: "migrating to Kata in Q1", Expires: "2027-01-31"},
		{Namespace: "*", Name: "old", Rule: "TG-NET-001", Reason: "was accepted", Expires: "2026-01-31"},
	}
	c, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	now := mustDate(t, "2026-11-27")
	if _, expired, ok := c.Exempt("ml", []string{"legacy-agent-7d9f", "legacy-agent"}, "TG-ISO-001", now); !ok || expired {
		t.Errorf("owner-name match: ok=%v expired=%v", ok, expired)
	}
	if _, _, ok := c.Exempt("prod", []string{"legacy-agent"}, "TG-ISO-001", now); ok {
		t.Error("namespace must match")
	}
	if _, expired, ok := c.Exempt("any", []string{"old"}, "TG-NET-001", now); !ok || !expired {
		t.Errorf("expired exemption: ok=%v expired=%v", ok, expired)
	}
	if _, expired, _ := c.Exempt("ml", []string{"legacy-x"}, "TG-ISO-001", mustDate(t, "2027-01-31")); !expired {
		t.Error("an exemption ends at the start of its expiry day")
	}
}

func TestGVisorProducts(t *testing.T) {
	c, err := Compile(Default())
	if err != nil {
		t.Fatal(err)
	}
	for product, want := range map[string]bool{
		"NVIDIA-H100-80GB-HBM3": true, "NVIDIA-L4": true, "Tesla-T4": true, "NVIDIA-A100-SXM4-80GB": true,
		"NVIDIA-A10G": true, "NVIDIA-L40S": false, "NVIDIA-B200": false, "": false,
	} {
		if got := c.GVisorSupportsProduct(product); got != want {
			t.Errorf("%q: got %v, want %v", product, got, want)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	b, err := Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(b)
	if err != nil {
		t.Fatalf("the printed default policy must parse back: %v", err)
	}
	if _, err := Compile(p); err != nil {
		t.Fatal(err)
	}
	if len(p.Handlers) != len(Default().Handlers) {
		t.Errorf("handlers: %d, want %d", len(p.Handlers), len(Default().Handlers))
	}
}

func TestExemptPrefersActiveAndNeedsNames(t *testing.T) {
	p := Default()
	p.Exemptions = []Exemption{
		{Namespace: "ml", Name: "x", Rule: "TG-ISO-001", Reason: "old", Expires: "2026-01-01"},
		{Namespace: "ml", Name: "x", Rule: "TG-ISO-001", Reason: "renewed", Expires: "2027-01-01"},
	}
	c, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	if e, expired, ok := c.Exempt("ml", []string{"x"}, "TG-ISO-001", mustDate(t, "2026-11-27")); !ok || expired || e.Reason != "renewed" {
		t.Errorf("got %q expired=%v ok=%v", e.Reason, expired, ok)
	}
	p.Exemptions = []Exemption{{Rule: "TG-PSS-001", Reason: "forgot the name"}}
	if _, err := Compile(p); err == nil || !strings.Contains(err.Error(), "exemptions[0].name: required") {
		t.Errorf("an exemption without a name must be refused: %v", err)
	}
}
