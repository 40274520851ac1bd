package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"time"

	openreports "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// ReportAPI is the API a report is written for: Open Reports
// (openreports.io/v1alpha1), or the wgpolicyk8s.io/v1alpha2 PolicyReport
// older Policy Reporters read, whose results are the same but whose
// report has no source or configuration.
type ReportAPI struct {
	// Resource is the namespaced reports' resource (its group and version
	// are the objects' apiVersion).
	Resource     schema.GroupVersionResource
	Kind         string
	policyReport bool
}

var (
	// OpenReportsAPI writes openreports.io/v1alpha1 Reports.
	OpenReportsAPI = ReportAPI{Resource: openreports.SchemeGroupVersion.WithResource("reports"), Kind: "Report"}
	// PolicyReportAPI writes wgpolicyk8s.io/v1alpha2 PolicyReports.
	PolicyReportAPI = ReportAPI{Resource: schema.GroupVersionResource{Group: "wgpolicyk8s.io", Version: "v1alpha2", Resource: "policyreports"},
		Kind: "PolicyReport", policyReport: true}
)

// ReportAPIFor is the API of an output format (openreports,
// policyreport).
func ReportAPIFor(format string) (ReportAPI, bool) {
	switch format {
	case "openreports":
		return OpenReportsAPI, true
	case "policyreport":
		return PolicyReportAPI, true
	}
	return ReportAPI{}, false
}

const (
	// reportSource names tiergate as the results' and reports' source.
	reportSource = "tiergate"
	// ReportName is a namespace's first report's name.
	ReportName = "tiergate"
	// ManagedByLabel marks the reports tiergate writes.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// maxReportResults splits a namespace's results over several
	// reports: an object must stay well under etcd's 1.5 MB.
	maxReportResults = 500
)

// renderOpenReports writes the reports of rep (ReportObjects) as YAML
// documents to apply.
func renderOpenReports(w io.Writer, rep *audit.Report, opts Options, api ReportAPI) error {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	objs, err := ReportObjects(rep, api, now)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	for _, o := range objs {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			return err
		}
		if out.Len() > 0 {
			out.WriteString("---\n")
		}
		out.Write(b)
	}
	_, err = w.Write(out.Bytes())
	return err
}

// ReportObjects is one report per namespace (more when it has more than
// maxReportResults results, named tiergate, tiergate-2, ...), sorted by
// namespace and name: a fail result per finding, a skip per exempted
// one, a pass per workload with none, each naming the workload and, in
// properties, its container, field path, owner, type and isolation. Each
// result is stamped now; each report is labelled managed-by tiergate.
func ReportObjects(rep *audit.Report, api ReportAPI, now time.Time) ([]*unstructured.Unstructured, error) {
	ts := metav1.Timestamp{Seconds: now.Unix()}
	names := map[string]string{}
	for _, r := range audit.Rules() {
		names[r.ID] = r.Name
	}
	byNS := map[string][]openreports.ReportResult{}
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		if r.StandsForPods() {
			continue // its pods carry its results
		}
		subject := []corev1.ObjectReference{{APIVersion: r.APIVersion, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name, UID: types.UID(r.UID)}}
		props := workloadProperties(r)
		add := func(res openreports.ReportResult) {
			res.Source, res.Timestamp, res.Subjects, res.Scored = reportSource, ts, subject, true
			byNS[r.Namespace] = append(byNS[r.Namespace], res)
		}
		for j := range r.Findings {
			f := &r.Findings[j]
			add(openreports.ReportResult{Policy: f.Rule, Rule: names[f.Rule], Category: string(f.Category), Severity: resultSeverity(f.Severity),
				Result: "fail", Description: f.Message, Properties: findingProperties(props, f)})
		}
		for j := range r.Exempted {
			x := &r.Exempted[j]
			p := findingProperties(props, &x.Finding)
			p["exemption"] = x.Reason
			add(openreports.ReportResult{Policy: x.Rule, Rule: names[x.Rule], Category: string(x.Category), Severity: resultSeverity(x.Severity),
				Result: "skip", Description: x.Message, Properties: p})
		}
		if len(r.Findings) == 0 && len(r.Exempted) == 0 {
			add(openreports.ReportResult{Policy: "tiergate", Rule: "all-checks", Result: "pass",
				Description: "isolation " + string(r.Isolation) + " meets the " + string(r.Type) + " tier; every check passes", Properties: props})
		}
	}
	namespaces := make([]string, 0, len(byNS))
	for ns := range byNS {
		namespaces = append(namespaces, ns)
	}
	slices.Sort(namespaces)
	var out []*unstructured.Unstructured
	for _, ns := range namespaces {
		results := byNS[ns]
		for part := 0; part*maxReportResults < len(results); part++ {
			chunk := results[part*maxReportResults : min(len(results), (part+1)*maxReportResults)]
			// The first keeps its name as a namespace grows past one
			// report, so that an apply updates it.
			name := ReportName
			if part > 0 {
				name += "-" + strconv.Itoa(part+1)
			}
			o, err := reportObject(api, ns, name, chunk)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// reportObject is one report of results in namespace ns.
func reportObject(api ReportAPI, ns, name string, results []openreports.ReportResult) (*unstructured.Unstructured, error) {
	r := openreports.Report{
		TypeMeta:   metav1.TypeMeta{APIVersion: api.Resource.GroupVersion().String(), Kind: api.Kind},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{ManagedByLabel: reportSource}},
		Source:     reportSource,
		Summary:    summarize(results),
		Results:    results,
	}
	js, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, err
	}
	meta := m["metadata"].(map[string]any)
	delete(meta, "creationTimestamp") // not ours to set
	if api.policyReport {
		delete(m, "source") // v1alpha2 has no report-level source
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// summarize counts results as the report's summary does.
func summarize(results []openreports.ReportResult) openreports.ReportSummary {
	var s openreports.ReportSummary
	for _, r := range results {
		switch r.Result {
		case "pass":
			s.Pass++
		case "fail":
			s.Fail++
		case "warn":
			s.Warn++
		case "error":
			s.Error++
		case "skip":
			s.Skip++
		}
	}
	return s
}

// resultSeverity is a severity as the report API spells it.
func resultSeverity(s policy.Severity) openreports.ResultSeverity {
	return openreports.ResultSeverity(cmp.Or(string(s), "info"))
}

// workloadProperties are what a result says of its workload beyond the
// reference: its owner, type and isolation against the tier's.
func workloadProperties(r *audit.Result) map[string]string {
	p := map[string]string{"type": string(r.Type), "isolation": string(r.Isolation)}
	if r.RequiredIsolation != "" {
		p["requiredIsolation"] = string(r.RequiredIsolation)
	}
	if o := r.RunsFrom; o != nil {
		p["owner"] = o.Kind + "/" + o.Name
	} else if o := cmp.Or(r.RootOwner, r.Owner); o != nil {
		p["owner"] = o.Kind + "/" + o.Name
	}
	return p
}

// findingProperties adds a finding's container and field path.
func findingProperties(base map[string]string, f *audit.Finding) map[string]string {
	p := make(map[string]string, len(base)+2)
	for k, v := range base {
		p[k] = v
	}
	if f.Container != "" {
		p["container"] = f.Container
	}
	if f.Path != "" {
		p["path"] = f.Path
	}
	return p
}
