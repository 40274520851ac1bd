package bench

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// Selector selects what the bench created, across runs.
func Selector() string {
	return labels.SelectorFromSet(labels.Set{LabelManagedBy: ManagedBy, LabelComponent: Component}).String()
}

// DeleteNamespace deletes the bench namespace (only when it carries the
// bench's labels) and waits until it is gone or ctx ends; the namespace
// controller deletes the pods in it.
func DeleteNamespace(ctx context.Context, c kubernetes.Interface, name string) error {
	ns, err := c.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("namespace %s: %w", name, err)
	}
	if !IsBenchNamespace(ns) {
		return fmt.Errorf("namespace %s is not tiergate bench's: left alone", name)
	}
	return deleteAndWait(ctx, c, ns)
}

// Cleanup deletes every bench namespace (a run that was killed leaves
// its own) and returns their names.
func Cleanup(ctx context.Context, c kubernetes.Interface) ([]string, error) {
	list, err := c.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: Selector()})
	if err != nil {
		return nil, fmt.Errorf("list bench namespaces: %w", err)
	}
	var names []string
	for i := range list.Items {
		ns := &list.Items[i]
		if !IsBenchNamespace(ns) {
			continue
		}
		if err := deleteAndWait(ctx, c, ns); err != nil {
			return names, err
		}
		names = append(names, ns.Name)
	}
	return names, nil
}

func deleteAndWait(ctx context.Context, c kubernetes.Interface, ns *corev1.Namespace) error {
	// Only the namespace read, by its UID: never one recreated since.
	pre := metav1.Preconditions{UID: &ns.UID}
	err := c.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{Preconditions: &pre})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete namespace %s: %w", ns.Name, err)
	}
	err = wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		got, err := c.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || (err == nil && got.UID != ns.UID) {
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("namespace %s is still being deleted: %w", ns.Name, err)
	}
	return nil
}
