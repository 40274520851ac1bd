package applier

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/internal/textutil"
	"github.com/tiergate/tiergate/remediate"
)

// Conflict is one field another field manager owns with another value,
// as the API server reported it when a server-side apply was not forced.
type Conflict struct {
	// Field is the server's field path
	// (".spec.template.spec.runtimeClassName").
	Field string `json:"field"`
	// Manager is the field manager that owns it ("kubectl",
	// "argocd-controller").
	Manager string `json:"manager"`
}

func (c Conflict) String() string { return c.Field + " → " + c.Manager }

// ConflictError is a server-side apply refused because of conflicts.
type ConflictError struct {
	Target    remediate.Target
	Conflicts []Conflict
}

func (e *ConflictError) Error() string {
	parts := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		parts[i] = c.String()
	}
	n := len(e.Conflicts)
	return fmt.Sprintf("%s: %d field%s another manager owns: %s", e.Target, n, textutil.S(n), strings.Join(parts, ", "))
}

// conflictsOf reads the conflicts of a server-side apply error from the
// status causes the API server sends (one per field, of type
// FieldManagerConflict); nil when err is not an apply conflict.
func conflictsOf(err error) []Conflict {
	var status apierrors.APIStatus
	if !apierrors.IsConflict(err) || !errors.As(err, &status) {
		return nil
	}
	d := status.Status().Details
	if d == nil {
		return nil
	}
	var out []Conflict
	for _, c := range d.Causes {
		if c.Type != metav1.CauseTypeFieldManagerConflict {
			continue
		}
		out = append(out, Conflict{Field: textutil.Printable(c.Field), Manager: managerOf(c.Message)})
	}
	return out
}

// managerOf takes the manager's name from a cause's message: the server
// writes it Go-quoted after "conflict with", followed by what it used
// (` using apps/v1`, ` with subresource "status"`); the name alone is
// what a person acts on.
func managerOf(msg string) string {
	rest, ok := strings.CutPrefix(msg, "conflict with ")
	if !ok {
		return textutil.OneLine(msg)
	}
	if q, err := strconv.QuotedPrefix(rest); err == nil {
		if name, err := strconv.Unquote(q); err == nil {
			return textutil.Printable(name)
		}
	}
	return textutil.OneLine(rest)
}

// Managers lists the managers the conflicts name, in first-seen order.
func Managers(cs []Conflict) []string {
	var out []string
	for _, c := range cs {
		if !slices.Contains(out, c.Manager) {
			out = append(out, c.Manager)
		}
	}
	return out
}
