package audit

// checkNamespaceRejects is filled in with the namespace labels.
func checkNamespaceRejects(s *subject) {}
