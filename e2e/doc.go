// Package e2e holds end-to-end tests that run the real tiergate binary
// the way a person does: in a terminal (tmux) against a real control
// plane. They are built with the integration tag (make test-integration).
package e2e
