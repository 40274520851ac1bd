package cluster

import (
	"time"

	apimachineryversion "k8s.io/apimachinery/pkg/version"
)

// SetPageSize sets how many objects a one-shot LIST page holds, so that
// tests with a few objects read them over many pages; it returns the
// function that restores it.
func SetPageSize(n int64) (restore func()) {
	old := pageSize
	pageSize = n
	return func() { pageSize = old }
}

// ObserveDials makes Forward tell f which dialer opened each forward's
// connection ("websocket" or "spdy"); it returns the function that stops
// it.
func ObserveDials(f func(via string)) (restore func()) {
	old := dialedVia
	dialedVia = f
	return func() { dialedVia = old }
}

// ListInPages makes c's one-shot lists paginated, as an API server older
// than 1.33 has them: c takes its server for a 1.32 (no request is made).
func ListInPages(c *Clients) {
	c.versionMu.Lock()
	defer c.versionMu.Unlock()
	c.version = &apimachineryversion.Info{Major: "1", Minor: "32"}
}

// ListsWhole reports whether a Lister reads built-in resources whole.
func (ls *Lister) ListsWhole() bool { return ls.whole }

// setListRetryWait sets how long a whole list waits before it asks again;
// it returns the function that restores it.
func setListRetryWait(d time.Duration) (restore func()) {
	old := listRetryWait
	listRetryWait = d
	return func() { listRetryWait = old }
}
