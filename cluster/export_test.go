package cluster

// SetPageSize sets how many objects a one-shot LIST page holds, so that
// tests with a few objects read them over many pages; it returns the
// function that restores it.
func SetPageSize(n int64) (restore func()) {
	old := pageSize
	pageSize = n
	return func() { pageSize = old }
}
