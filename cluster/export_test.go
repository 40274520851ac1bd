package cluster

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
