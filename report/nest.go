package report

import "github.com/tiergate/tiergate/audit"

// nested is a table row: a workload, and whether it is listed under the
// custom resource it runs from.
type nested struct {
	*audit.Result
	child bool
}

// nest lists each pod right under the custom resource it runs from
// (Result.RunsFrom) when that resource is among rows, in the rows'
// order; the rest keep their places.
func nest(rows []*audit.Result) []nested {
	type key struct{ kind, ns, name string }
	parents := map[key]int{}
	for i, r := range rows {
		if r.RunsFrom == nil {
			parents[key{r.Kind, r.Namespace, r.Name}] = i
		}
	}
	kids := map[int][]*audit.Result{}
	placed := make([]bool, len(rows))
	for i, r := range rows {
		if r.RunsFrom == nil {
			continue
		}
		if p, ok := parents[key{r.RunsFrom.Kind, r.Namespace, r.RunsFrom.Name}]; ok {
			kids[p] = append(kids[p], r)
			placed[i] = true
		}
	}
	out := make([]nested, 0, len(rows))
	for i, r := range rows {
		if placed[i] {
			continue
		}
		out = append(out, nested{Result: r})
		for _, k := range kids[i] {
			out = append(out, nested{Result: k, child: true})
		}
	}
	return out
}
