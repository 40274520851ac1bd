package testcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// User is a limited identity: a ServiceAccount with RBAC rules and a
// token for it.
type User struct {
	Name       string
	Config     *rest.Config
	Kubeconfig string
}

// UserOptions say what a limited user may do.
type UserOptions struct {
	// Namespace holds the ServiceAccount and the Role.
	Namespace string
	// Rules are granted in Namespace (Role + RoleBinding).
	Rules []rbacv1.PolicyRule
	// ClusterRules are granted cluster-wide (ClusterRole + binding).
	ClusterRules []rbacv1.PolicyRule
}

// NewUser mints a limited user and writes a kubeconfig for it.
func (c *Cluster) NewUser(ctx context.Context, name string, opts UserOptions) (*User, error) {
	kube, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return nil, err
	}
	ns := opts.Namespace
	if err := ignoreExists(kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})); err != nil {
		return nil, err
	}
	if err := ignoreExists(kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})); err != nil {
		return nil, err
	}
	subject := []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: ns}}
	if len(opts.Rules) > 0 {
		if err := ignoreExists(kube.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: opts.Rules}, metav1.CreateOptions{})); err != nil {
			return nil, err
		}
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subject, RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name}}
		if err := ignoreExists(kube.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{})); err != nil {
			return nil, err
		}
	}
	if len(opts.ClusterRules) > 0 {
		cr := ns + "-" + name
		if err := ignoreExists(kube.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: cr}, Rules: opts.ClusterRules}, metav1.CreateOptions{})); err != nil {
			return nil, err
		}
		crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: cr}, Subjects: subject, RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: cr}}
		if err := ignoreExists(kube.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{})); err != nil {
			return nil, err
		}
	}
	// The RBAC authorizer learns of new bindings through its informers:
	// until it has, the user is refused what it was just granted.
	if err := waitGranted(ctx, kube, "system:serviceaccount:"+ns+":"+name, ns, opts.Rules, false); err != nil {
		return nil, err
	}
	if err := waitGranted(ctx, kube, "system:serviceaccount:"+ns+":"+name, "", opts.ClusterRules, true); err != nil {
		return nil, err
	}
	expiry := int64(3600)
	tok, err := kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("token for %s/%s: %w", ns, name, err)
	}
	cfg := rest.AnonymousClientConfig(c.Config)
	cfg.BearerToken = tok.Status.Token
	u := &User{Name: name, Config: cfg, Kubeconfig: filepath.Join(c.Workdir, "user-"+ns+"-"+name+".kubeconfig")}
	if err := writeKubeconfig(u.Kubeconfig, cfg, ns); err != nil {
		return nil, err
	}
	return u, nil
}

// writeKubeconfig writes a one-context kubeconfig for cfg.
func writeKubeconfig(path string, cfg *rest.Config, namespace string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["c"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData, CertificateAuthority: cfg.CAFile, InsecureSkipTLSVerify: cfg.Insecure}
	kc.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken, ClientCertificate: cfg.CertFile, ClientKey: cfg.KeyFile, ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["c"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u", Namespace: namespace}
	kc.CurrentContext = "c"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return clientcmd.WriteToFile(*kc, path)
}

func ignoreExists[T any](_ T, err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// waitGranted waits until the authorizer allows user the first resource
// rule of rules (in namespace; cluster-wide when clusterWide).
func waitGranted(ctx context.Context, kube kubernetes.Interface, user, namespace string, rules []rbacv1.PolicyRule, clusterWide bool) error {
	for _, r := range rules {
		if len(r.Verbs) == 0 || len(r.APIGroups) == 0 || len(r.Resources) == 0 || len(r.ResourceNames) > 0 {
			continue
		}
		resource, sub, _ := strings.Cut(r.Resources[0], "/")
		attrs := &authorizationv1.ResourceAttributes{Verb: r.Verbs[0], Group: r.APIGroups[0], Resource: resource, Subresource: sub}
		if !clusterWide {
			attrs.Namespace = namespace
		}
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: user,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + namespaceOf(user), "system:authenticated"}, ResourceAttributes: attrs}}
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			got, err := kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
			return err == nil && got.Status.Allowed, nil
		})
		if err != nil {
			return fmt.Errorf("%s not granted %s %s.%s: %w", user, attrs.Verb, attrs.Resource, attrs.Group, err)
		}
		return nil
	}
	return nil
}

// namespaceOf is a ServiceAccount user's namespace.
func namespaceOf(user string) string {
	parts := strings.Split(user, ":")
	if len(parts) == 4 {
		return parts[2]
	}
	return ""
}
