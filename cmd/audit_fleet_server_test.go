package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A password in a context's server URL stays out of the fleet's report
// (its clusters list names each server), as the view redacts it.
func TestFleetAuditHidesTheServersPassword(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "config")
	cfg := "apiVersion: v1\nkind: Config\ncurrent-context: lab\ncontexts:\n- name: lab\n  context: {cluster: lab, user: u}\n" +
		"clusters:\n- name: lab\n  cluster: {server: 'https://admin:s3cret@127.0.0.1:1'}\nusers:\n- name: u\n  user: {}\n"
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, _ := run(t, "", "audit", "--kubeconfig", kubeconfig, "--contexts", "lab", "--cluster-timeout", "5s", "-o", "json")
	if strings.Contains(out+errOut, "s3cret") || !strings.Contains(out, "127.0.0.1:1") {
		t.Errorf("out %s\nerr %s", out, errOut)
	}
}
