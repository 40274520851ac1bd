package report

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// SARIF 2.1.0, the subset code-scanning services read.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	// BaselineState is SARIF's own "new" or "unchanged" against a
	// baseline (audit --baseline); absent without one.
	BaselineState string         `json:"baselineState,omitempty"`
	Properties    map[string]any `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

const rulesDocURL = "https://github.com/tiergate/tiergate/blob/main/docs/rules.md"

func sarifLevel(s policy.Severity) string {
	switch s {
	case policy.Critical, policy.High:
		return "error"
	case policy.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub code scanning's numeric severity.
func securitySeverity(s policy.Severity) string {
	switch s {
	case policy.Critical:
		return "9.5"
	case policy.High:
		return "8.0"
	case policy.Medium:
		return "5.5"
	}
	return "3.0"
}

func renderSARIF(w io.Writer, rep *audit.Report, opts Options) error {
	rules := audit.Rules()
	index := map[string]int{}
	driver := sarifDriver{Name: "tiergate", Version: opts.ToolVersion, InformationURI: "https://github.com/tiergate/tiergate"}
	for i, r := range rules {
		index[r.ID] = i
		help := r.Fix
		if r.SeverityNote != "" {
			help += " Severity: " + string(r.Severity) + " by default; " + r.SeverityNote + "."
		}
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   r.ID,
			Name:                 r.Name,
			ShortDescription:     sarifText{Text: r.Title},
			FullDescription:      sarifText{Text: r.Rationale},
			Help:                 sarifText{Text: help, Markdown: "**" + r.Title + "**\n\n" + r.Rationale + "\n\n*Fix:* " + r.Fix + "\n\n*tiergate fix:* " + r.Remedy.Does() + "."},
			HelpURI:              rulesDocURL + "#" + strings.ToLower(r.ID),
			DefaultConfiguration: sarifConfig{Level: sarifLevel(r.Severity)},
			Properties: map[string]any{
				"category":          string(r.Category),
				"tags":              []string{"security", "kubernetes", "llm", string(r.Category)},
				"security-severity": securitySeverity(r.Severity),
				"remedy":            string(r.Remedy.Kind),
			},
		})
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	for i := range rep.Workloads {
		r := &rep.Workloads[i]
		if r.StandsForPods() {
			continue // its pods carry its findings
		}
		for _, f := range r.Findings {
			loc := sarifLocation{LogicalLocations: []sarifLogical{{FullyQualifiedName: objectName(r), Kind: "object"}}}
			if r.Source != nil {
				line := f.Line
				if line == 0 {
					line = r.Source.Line
				}
				loc.PhysicalLocation = &sarifPhysical{
					ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(r.Source.File)},
					Region:           sarifRegion{StartLine: max(line, 1)},
				}
			}
			run.Results = append(run.Results, sarifResult{
				RuleID:        f.Rule,
				RuleIndex:     index[f.Rule],
				Level:         sarifLevel(f.Severity),
				Message:       sarifText{Text: objectName(r) + ": " + f.Message},
				Locations:     []sarifLocation{loc},
				BaselineState: f.Baseline,
				Properties: map[string]any{
					"severity":          string(f.Severity),
					"security-severity": securitySeverity(f.Severity),
					"workloadType":      string(r.Type),
					"isolation":         string(r.Isolation),
				},
			})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// objectName is "namespace/Kind/name", or "Kind/name" when cluster-scoped.
func objectName(r *audit.Result) string {
	name := r.Kind + "/" + r.Name
	if r.Namespace != "" {
		name = r.Namespace + "/" + name
	}
	if r.Cluster != "" {
		name = r.Cluster + "/" + name // a fleet audit's context
	}
	return name
}
