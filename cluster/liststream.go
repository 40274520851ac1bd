package cluster

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tiergate/tiergate/audit"
)

// Stream is Inventory a namespace at a time, for a one-shot audit that
// writes as it goes: everything but the pods is listed first (the pods'
// first pages meanwhile) and handed to start as the inventory without
// workloads; then, as the pods' pages decode, each namespace's
// workloads, scoped as Inventory scopes them, go to each in ascending
// namespace order, once the pages have passed the namespace. A LIST
// returns pods in key order ("namespace/name"), so only a namespace
// named like the start of another ("team" and "team-a", whose pods come
// first) waits for it. It returns the inventory start got, FilteredOut
// counted, and how many workloads went to each.
//
// timeout (> 0) bounds the lists, as Inventory's ctx does; the pods'
// requests have it between them, so that time each spends (writing a
// report its reader is slow to take) does not count against the server.
// Pods that fail to list are an error, possibly after some namespaces
// went to each; so is a server that lists a namespace's pods after
// another's were handed over (not key order).
func (ls *Lister) Stream(ctx context.Context, timeout time.Duration, start func(*audit.Inventory) error, each func(namespace string, ws []audit.Workload) error) (*audit.Inventory, int, error) {
	// The other lists end at the timeout (timed), as Inventory's, or
	// when the pods fail (stop).
	timed, stopTimed := context.WithTimeout(ctx, timeout)
	defer stopTimed()
	listCtx, stop := context.WithCancel(timed)
	defer stop()
	// The pods' requests have the timeout between them (pageFetch's
	// budget): while each hands a namespace over, the list waits for the
	// report's reader (a pager, a slow pipe), which is not the server
	// being slow.
	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	var (
		pages   chan page
		pageErr error
	)
	if ls.allowed[resPods.gvr] {
		pages = make(chan page, 1)
		go func() {
			defer close(pages)
			f := pageFetch{c: ls.c, gvr: resPods.gvr, ns: ls.opts.Namespace, whole: ls.whole, budget: timeout, transform: transformOf(resPods, false)}
			if pageErr = f.run(fetchCtx, pages); pageErr != nil {
				stop() // the other lists are for nothing now
			}
		}()
	}
	// Whatever ends the stream early, the fetcher is stopped and waited
	// for (it sends only until fetchCtx ends).
	defer func() {
		stopFetch()
		if pages != nil {
			for range pages {
			}
		}
	}()
	l, err := ls.list(timed, listCtx, stop, false)
	if err != nil {
		return nil, 0, err
	}
	if ctx.Err() != nil {
		// Interrupted: what did not list because of it is no gap to show.
		return nil, 0, ls.podsError(ctx, ctx.Err())
	}
	if listCtx.Err() != nil && timed.Err() == nil {
		// Only the fetcher stops the lists early: the pods failed, and
		// what else did not list because of it is no gap to show.
		for range pages {
		}
		return nil, 0, ls.podsError(ctx, pageErr)
	}
	b := newInventoryBuilder(l, ls.opts.Selector)
	if err := start(b.inv); err != nil {
		return nil, 0, err
	}
	s := newNamespaceStream(b, each)
	if pages != nil {
		for pg := range pages {
			if pg.restart {
				s.restart()
			}
			for _, t := range pg.items {
				if err := s.pod(t.(*cachedPod)); err != nil {
					return nil, 0, err
				}
			}
		}
		if pageErr != nil {
			return nil, 0, ls.podsError(ctx, pageErr)
		}
	}
	if err := s.flush(true); err != nil {
		return nil, 0, err
	}
	return b.inv, s.count, nil
}

// namespaceStream holds pods until their namespace's turn: the
// namespaces known (from the other workloads and the pods so far) wait in
// ascending order, and the first goes as soon as no more of its pods can
// come.
type namespaceStream struct {
	b    *inventoryBuilder
	each func(string, []audit.Workload) error
	// others are the controllers and custom resources by namespace, and
	// pods the pods listed so far, both in the inventory's order.
	others, pods map[string][]audit.Workload
	// queue are the namespaces not handed over yet, ascending.
	queue []string
	// cursor is the namespace whose pods the list is at (listing says
	// whether it is at any).
	cursor  string
	listing bool
	// exists are the cluster's namespaces when they were listed (nil
	// when the user may not list them): only those can hold pods, so a
	// namespace need not wait for a name that sorts before it but does
	// not exist ("team-a" for "team").
	exists map[string]bool
	// sent are the namespaces handed over (last the latest); after a
	// restart their pods are listed again and skipped.
	sent      map[string]bool
	last      string
	restarted bool
	count     int
}

func newNamespaceStream(b *inventoryBuilder, each func(string, []audit.Workload) error) *namespaceStream {
	s := &namespaceStream{b: b, each: each, others: map[string][]audit.Workload{}, pods: map[string][]audit.Workload{}, sent: map[string]bool{}}
	for _, w := range b.others {
		if _, ok := s.others[w.Namespace]; !ok {
			s.queue = append(s.queue, w.Namespace)
		}
		s.others[w.Namespace] = append(s.others[w.Namespace], w)
	}
	b.others = nil
	slices.Sort(s.queue)
	if !b.inv.NamespacesHidden {
		s.exists = make(map[string]bool, len(b.inv.Namespaces))
		for _, ns := range b.inv.Namespaces {
			s.exists[ns.Name] = true
		}
	}
	return s
}

// pod takes the next listed pod.
func (s *namespaceStream) pod(p *cachedPod) error {
	ns := p.Namespace
	if s.sent[ns] {
		if s.restarted {
			return nil // handed over from the list before the restart
		}
		return s.outOfOrder(ns)
	}
	if !s.listing || ns != s.cursor {
		if s.listing && nsKey(ns) < nsKey(s.cursor) {
			return fmt.Errorf("the server listed pods of namespace %q after those of %q: tiergate audits a namespace once its pods are listed, and needs them in key order", ns, s.cursor)
		}
		s.cursor, s.listing = ns, true
		if s.exists != nil && !s.exists[ns] {
			s.exists[ns] = true // made after the namespaces were listed
		}
		if err := s.known(ns); err != nil {
			return err
		}
		if err := s.flush(false); err != nil {
			return err
		}
	}
	s.pods[ns] = append(s.pods[ns], s.b.podWorkload(p))
	return nil
}

// known queues a namespace, once.
func (s *namespaceStream) known(ns string) error {
	i, found := slices.BinarySearch(s.queue, ns)
	if found {
		return nil
	}
	if len(s.sent) > 0 && ns < s.last {
		return s.outOfOrder(ns)
	}
	s.queue = slices.Insert(s.queue, i, ns)
	return nil
}

func (s *namespaceStream) outOfOrder(ns string) error {
	return fmt.Errorf("the server listed pods of namespace %q after namespace %q was audited: tiergate audits a namespace once its pods are listed, and needs them in key order (or the namespace was made during the audit: run it again)", ns, s.last)
}

// restart drops the pods held: the list starts over (its continue token
// expired) and lists them again.
func (s *namespaceStream) restart() {
	clear(s.pods)
	s.listing, s.cursor, s.restarted = false, "", true
}

// flush hands over the namespaces whose pods are all listed, in order;
// final: the list is done, all of them.
func (s *namespaceStream) flush(final bool) error {
	n := 0
	for _, ns := range s.queue {
		if !final && !passed(ns, s.cursor, s.exists) {
			break
		}
		n++
		ws := append(s.others[ns], s.pods[ns]...)
		delete(s.others, ns)
		delete(s.pods, ns)
		s.sent[ns], s.last = true, ns
		ws = s.b.scope(ws)
		if len(ws) == 0 {
			continue
		}
		s.count += len(ws)
		if err := s.each(ns, ws); err != nil {
			return err
		}
	}
	s.queue = s.queue[n:]
	return nil
}

// nsKey is where a namespace's pods sit in a LIST: keys are
// "namespace/name", so "team-a/x" comes before "team/x".
func nsKey(ns string) string { return ns + "/" }

// passed says no more pods of ns can come once the list is at cursor's:
// the list has passed ns's keys, and those of every namespace that sorts
// before ns but lists after it (a name ns starts with, then "-"), which
// must be handed over first; of those, only the ones that exist, when
// exists says which do (nil: any may).
func passed(ns, cursor string, exists map[string]bool) bool {
	at := nsKey(cursor)
	if nsKey(ns) >= at {
		return false
	}
	for i := 0; i < len(ns); i++ {
		if ns[i] != '-' {
			continue
		}
		if prefix := ns[:i]; (exists == nil || exists[prefix]) && nsKey(prefix) >= at {
			return false
		}
	}
	return true
}
