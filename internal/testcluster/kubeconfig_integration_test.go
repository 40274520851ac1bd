//go:build integration

package testcluster

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestUserKubeconfigUntouched starts and deletes a cluster with a user
// kubeconfig in place (KUBECONFIG and ~/.kube/config): neither may be
// written, so the user's kubectl keeps its context after the lab and the
// tests, and no stale context is left pointing at deleted certificates.
func TestUserKubeconfigUntouched(t *testing.T) {
	if _, err := BinDir(); err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	home := t.TempDir()
	userConfig := []byte(`apiVersion: v1
kind: Config
current-context: mine
contexts:
- name: mine
  context: {cluster: mine, user: mine}
clusters:
- name: mine
  cluster: {server: "https://192.0.2.10:6443"}
users:
- name: mine
  user: {}
`)
	dotKube := filepath.Join(home, ".kube")
	if err := os.MkdirAll(dotKube, 0o700); err != nil {
		t.Fatal(err)
	}
	inHome := filepath.Join(dotKube, "config")
	explicit := filepath.Join(home, "explicit-kubeconfig")
	for _, p := range []string{inHome, explicit} {
		if err := os.WriteFile(p, userConfig, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", home)
	for _, env := range []string{explicit, ""} { // KUBECONFIG set, then the default path
		t.Run("KUBECONFIG="+env, func(t *testing.T) {
			t.Setenv("KUBECONFIG", env)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			c, err := Start(ctx, Options{NoControllers: true})
			if err != nil {
				t.Fatal(err)
			}
			// Delete, not Stop, so that a failed kwokctl delete (make
			// lab-down) fails the test.
			if err := Delete(c.Name, c.Workdir); err != nil {
				t.Fatal(err)
			}
			_ = os.RemoveAll(c.Workdir)
			for _, p := range []string{inHome, explicit} {
				got, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, userConfig) {
					t.Errorf("%s was changed by the cluster's start or stop:\n%s", p, got)
				}
			}
		})
	}
}
