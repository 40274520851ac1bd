package applier

import (
	"context"
	"slices"
	"sync"
)

// requestWarnings is the applier client's rest.WarningHandlerWithContext:
// client-go calls it with the context of the request a warning answers,
// and the applier sends every request of an item with a context that
// collects them (collectWarnings). Warnings are neither printed as they
// come (they would tear a screen, and a dry run and an apply would print
// them twice) nor pooled across objects.
type requestWarnings struct{}

func (requestWarnings) HandleWarningHeaderWithContext(ctx context.Context, code int, _ string, text string) {
	// 299 is the only code the API server warns with; others are
	// proxies' and not the server's word.
	if code != 299 || text == "" {
		return
	}
	if s, ok := ctx.Value(sinkKey{}).(*sink); ok {
		s.add(text)
	}
}

type sinkKey struct{}

// sink holds one item's warnings; client-go may call the handler from
// another goroutine than the request's.
type sink struct {
	mu   sync.Mutex
	list []string
}

func (s *sink) add(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = appendNew(s.list, text)
}

// collectWarnings returns a context whose requests' warnings are kept,
// and a function that returns them.
func collectWarnings(ctx context.Context) (context.Context, func() []string) {
	s := &sink{}
	return context.WithValue(ctx, sinkKey{}, s), func() []string {
		s.mu.Lock()
		defer s.mu.Unlock()
		return slices.Clone(s.list)
	}
}

// appendNew appends the texts list does not hold yet.
func appendNew(list []string, texts ...string) []string {
	for _, t := range texts {
		if !slices.Contains(list, t) {
			list = append(list, t)
		}
	}
	return list
}

// NewWarnings are the warnings of an outcome that were not shown before
// for its object (in its dry run): the server warns about an apply as it
// did about its dry run, and a person reads each once.
func NewWarnings(shown []string, o Outcome) []string {
	var out []string
	for _, w := range o.Warnings {
		if !slices.Contains(shown, w) {
			out = append(out, w)
		}
	}
	return out
}
