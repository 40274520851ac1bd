package audit_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/fingerprint"
	"github.com/tiergate/tiergate/manifest"
	"github.com/tiergate/tiergate/policy"
	"github.com/tiergate/tiergate/probe/probetest"
)

// expectation is one "# want:" or "# not:" line of a rule fixture:
//
//	# want: TG-ISO-001 critical   (a finding of the rule, with that severity)
//	# want: TG-ISO-001            (a finding of the rule, any severity)
//	# not: TG-ISO-001             (no finding of the rule)
//
// A fixture may also say "# workload: Kind/name" to look at one workload
// only; otherwise findings of all workloads in the file count. "# probe:
// <pod uid> <facts>" gives the pod a kernel probe decided from the recorded
// facts ../fingerprint/testdata/facts/<facts>.json.
type expectation struct {
	want     bool
	rule     string
	severity policy.Severity
}

type fixture struct {
	path     string
	workload string
	expect   []expectation
	probes   map[string]audit.Probed
}

func readFixture(t *testing.T, path string) fixture {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fx := fixture{path: path}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "# want:"), strings.HasPrefix(line, "# not:"):
			want := strings.HasPrefix(line, "# want:")
			fields := strings.Fields(line[strings.Index(line, ":")+1:])
			if len(fields) == 0 {
				t.Fatalf("%s: empty expectation %q", path, line)
			}
			e := expectation{want: want, rule: fields[0]}
			if len(fields) > 1 {
				e.severity = policy.Severity(fields[1])
			}
			fx.expect = append(fx.expect, e)
		case strings.HasPrefix(line, "# probe:"):
			f := strings.Fields(strings.TrimPrefix(line, "# probe:"))
			if len(f) != 2 {
				t.Fatalf("%s: want '# probe: <uid> <facts>', got %q", path, line)
			}
			if fx.probes == nil {
				fx.probes = map[string]audit.Probed{}
			}
			fx.probes[f[0]] = audit.Probed{Verdict: fingerprint.Decide(probetest.Recorded(t, f[1])), Via: "exec"}
		case strings.HasPrefix(line, "# workload:"):
			fx.workload = strings.TrimSpace(strings.TrimPrefix(line, "# workload:"))
		}
	}
	if len(fx.expect) == 0 {
		t.Fatalf("%s: no '# want:' or '# not:' lines", path)
	}
	return fx
}

// TestRuleFixtures runs every rule's YAML fixtures through the loader and
// the engine, and checks that each rule has fixtures that fire it and
// fixtures that pass it.
func TestRuleFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/rules/*/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	fired, passed := map[string]bool{}, map[string]bool{}
	for _, path := range files {
		fx := readFixture(t, path)
		t.Run(strings.TrimPrefix(path, "testdata/rules/"), func(t *testing.T) {
			objs, err := manifest.Read([]string{path}, nil, manifest.ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			inv, _, err := manifest.Build(objs, manifest.BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			inv.Probes = fx.probes
			rep := e.Audit(inv, audit.Options{Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)})
			var findings []audit.Finding
			seen := false
			for _, w := range rep.Workloads {
				if fx.workload != "" && w.Kind+"/"+w.Name != fx.workload {
					continue
				}
				seen = true
				if w.Type == policy.None {
					t.Logf("note: %s/%s is classified none", w.Kind, w.Name)
				}
				findings = append(findings, w.Findings...)
			}
			if !seen {
				t.Fatalf("no workload %q in the fixture", fx.workload)
			}
			for _, ex := range fx.expect {
				var got []audit.Finding
				for _, f := range findings {
					if f.Rule == ex.rule {
						got = append(got, f)
					}
				}
				switch {
				case ex.want && len(got) == 0:
					t.Errorf("want a %s finding, got none; findings: %s", ex.rule, describe(findings))
				case ex.want && ex.severity != "" && !hasSeverity(got, ex.severity):
					t.Errorf("want %s with severity %s, got %s", ex.rule, ex.severity, describe(got))
				case !ex.want && len(got) > 0:
					t.Errorf("want no %s finding, got %s", ex.rule, describe(got))
				}
				if ex.want {
					fired[ex.rule] = true
				} else {
					passed[ex.rule] = true
				}
			}
		})
	}
	var missing []string
	for _, r := range audit.Rules() {
		if !fired[r.ID] {
			missing = append(missing, r.ID+" (no fixture that fires it)")
		}
		if !passed[r.ID] {
			missing = append(missing, r.ID+" (no fixture that passes it)")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("rules without fixtures:\n  %s", strings.Join(missing, "\n  "))
	}
}

func hasSeverity(fs []audit.Finding, s policy.Severity) bool {
	for _, f := range fs {
		if f.Severity == s {
			return true
		}
	}
	return false
}

func describe(fs []audit.Finding) string {
	if len(fs) == 0 {
		return "(none)"
	}
	var parts []string
	for _, f := range fs {
		parts = append(parts, f.Rule+"/"+string(f.Severity)+": "+f.Message)
	}
	return strings.Join(parts, "\n    ")
}
