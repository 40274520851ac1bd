package cmd

import (
	"context"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/cluster"
	"github.com/tiergate/tiergate/internal/textutil"
)

// checkNamespace fails when -n names a namespace the cluster does not
// have, with the closest names it has: a typo must not pass a CI gate as
// an empty, clean scope. A user who may not read namespaces is not
// stopped: the audit goes on and says what it cannot see.
func (o *ScopeOptions) checkNamespace(ctx context.Context, c *cluster.Clients) error {
	if o.namespace == "" {
		return nil
	}
	_, err := c.Kube.CoreV1().Namespaces().Get(ctx, o.namespace, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		return nil
	}
	msg := fmt.Sprintf("namespace %q not found", o.namespace)
	if list, err := c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err == nil {
		names := make([]string, len(list.Items))
		for i := range list.Items {
			names[i] = list.Items[i].Name
		}
		if s := suggest(o.namespace, names); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
	}
	return fmt.Errorf("%s (kubectl get namespaces lists them)", msg)
}

// emptyReason says why a scope holds nothing to audit, in the flags'
// words: what the selector left out, or that the namespace, the cluster
// or the files have no pod-bearing workload (and whether pods were
// visible at all).
func (o *ScopeOptions) emptyReason(inv *audit.Inventory, objects int) string {
	where := "the cluster"
	switch {
	case o.offline():
		where = "the files"
	case o.namespace != "":
		where = "namespace " + o.namespace
	}
	var why string
	switch {
	case inv.FilteredOut > 0:
		why = fmt.Sprintf("nothing in %s matches %s (%d workload%s left out)", where, o.describe(), inv.FilteredOut, textutil.S(inv.FilteredOut))
	case o.offline() && objects == 0:
		why = "the files hold no Kubernetes objects"
	case o.offline():
		why = fmt.Sprintf("none of the %d object%s in the files is a pod or has a pod template", objects, textutil.S(objects))
	default:
		why = where + " has no pods and no controllers with a pod template"
	}
	if slices.ContainsFunc(inv.Gaps, func(g string) bool { return strings.HasPrefix(g, "pods") }) {
		why += "; pods are not visible to this user (see above)"
	}
	return why
}

// suggest returns the names within two edits of name, or that contain it
// or that it contains, closest first (at most three).
func suggest(name string, names []string) []string {
	type cand struct {
		s string
		d int
	}
	var cs []cand
	for _, n := range names {
		d := editDistance(name, n)
		if d <= 2 || len(name) >= 3 && (strings.Contains(n, name) || strings.Contains(name, n) && len(n) >= 3) {
			cs = append(cs, cand{n, d})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.s, b.s)
	})
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].s)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
