package cmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/tiergate/tiergate/internal/textutil"
)

// kubeconfigFiles are the kubeconfig files this run would read, as
// client-go chooses them: --kubeconfig alone when given (explicit), else
// the KUBECONFIG list (empty entries and repeats dropped). Missing are
// those that do not exist. Without either, client-go reads
// ~/.kube/config when it exists; that default is not listed.
func (o *ScopeOptions) kubeconfigFiles() (named, missing []string, explicit bool) {
	if o.kube.KubeConfig != nil && *o.kube.KubeConfig != "" {
		named, explicit = []string{*o.kube.KubeConfig}, true
	} else {
		for _, p := range filepath.SplitList(os.Getenv(clientcmd.RecommendedConfigPathEnvVar)) {
			if p != "" && !slices.Contains(named, p) {
				named = append(named, p)
			}
		}
	}
	for _, p := range named {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, p)
		}
	}
	return named, missing, explicit
}

// noSuchKubeconfig says which kubeconfig files do not exist, instead of
// client-go's "no configuration has been provided".
func noSuchKubeconfig(missing []string) error {
	if len(missing) == 1 {
		return fmt.Errorf("kubeconfig %s: no such file", missing[0])
	}
	return fmt.Errorf("kubeconfig %s: no such files", strings.Join(missing, ", "))
}

// contextNamespace scopes a live run without -n or -A to the kubeconfig
// context's namespace, as kubectl does. It is read at the first contact,
// not in Complete, so that a bad flag is reported as itself even when the
// kubeconfig is broken or missing.
func (o *ScopeOptions) contextNamespace() error {
	if o.offline() || o.namespace != "" || o.AllNamespaces {
		return nil
	}
	ns, _, err := o.kube.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return fmt.Errorf("kubeconfig: %v", textutil.OneLine(err.Error()))
	}
	o.namespace = ns
	return nil
}
