package report

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/policy"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// renderJUnit writes one test suite per workload type and one test case
// per workload; findings at or above FailOn (all, when unset) fail it.
func renderJUnit(w io.Writer, rep *audit.Report, opts Options) error {
	out := junitSuites{Name: "tiergate"}
	groups := groupByType(rep.Workloads)
	for _, t := range tableOrder {
		rows := groups[t]
		if len(rows) == 0 {
			continue
		}
		suite := junitSuite{Name: string(t)}
		for _, r := range rows {
			if r.StandsForPods() {
				continue // its pods are the test cases
			}
			c := junitCase{ClassName: "tiergate." + string(t), Name: objectName(r)}
			if r.Cluster != "" {
				c.ClassName = "tiergate." + r.Cluster + "." + string(t)
			}
			var failing, other []string
			var worst policy.Severity
			for _, f := range r.Findings {
				line := string(f.Severity) + " " + f.Rule + ": " + f.Message
				if opts.FailOn == "" || f.Severity.Rank() >= opts.FailOn.Rank() {
					failing = append(failing, line)
					if f.Severity.Rank() > worst.Rank() {
						worst = f.Severity
					}
				} else {
					other = append(other, line)
				}
			}
			if len(failing) > 0 {
				c.Failure = &junitFailure{
					Message: strconv.Itoa(len(failing)) + " finding" + textutil.S(len(failing)) + ", worst " + string(worst),
					Type:    string(worst),
					Body:    strings.Join(failing, "\n"),
				}
				suite.Failures++
			}
			c.SystemOut = "type " + string(r.Type) + ", isolation " + string(r.Isolation)
			if r.RequiredIsolation != "" {
				c.SystemOut += " (requires " + string(r.RequiredIsolation) + ")"
			}
			if len(other) > 0 {
				c.SystemOut += "\n" + strings.Join(other, "\n")
			}
			suite.Cases = append(suite.Cases, c)
			suite.Tests++
		}
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Suites = append(out.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
