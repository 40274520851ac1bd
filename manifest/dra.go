package manifest

import (
	"fmt"

	resourcev1 "k8s.io/api/resource/v1"

	"github.com/tiergate/tiergate/audit"
)

// draGroup is Dynamic Resource Allocation's API group.
const draGroup = "resource.k8s.io"

// draVersions are the versions read: v1beta2 has v1's shape (requests
// with exactly/firstAvailable); v1beta1 and v1alpha3 do not, and a
// guess at their requests could count GPUs wrong.
var draVersions = map[string]bool{"v1": true, "v1beta2": true}

// draKinds are the kinds of the group the audit reads; DeviceClass and
// ResourceSlice are cluster-scoped.
var draKinds = map[string]bool{"ResourceClaim": true, "ResourceClaimTemplate": true, "DeviceClass": true, "ResourceSlice": true}

// addDRA files a claim, claim template, device class or resource slice:
// pods' GPUs through claims resolve from them as they do live.
func addDRA(inv *audit.Inventory, o *Object, kind string) error {
	if !draKinds[kind] {
		return nil
	}
	if v := o.GroupVersionKind().Version; !draVersions[v] {
		return fmt.Errorf("%s/%s is not read: write it as %s/v1 (kubectl get from a 1.34 or later server does)", draGroup, v, draGroup)
	}
	if inv.DRA == nil {
		inv.DRA = &audit.DRA{}
	}
	d := inv.DRA
	switch kind {
	case "ResourceClaim":
		var c resourcev1.ResourceClaim
		if err := convert(o, &c); err != nil {
			return err
		}
		d.Claims = append(d.Claims, c)
	case "ResourceClaimTemplate":
		var t resourcev1.ResourceClaimTemplate
		if err := convert(o, &t); err != nil {
			return err
		}
		d.ClaimTemplates = append(d.ClaimTemplates, t)
	case "DeviceClass":
		var c resourcev1.DeviceClass
		if err := convert(o, &c); err != nil {
			return err
		}
		d.DeviceClasses = append(d.DeviceClasses, c)
	case "ResourceSlice":
		var s resourcev1.ResourceSlice
		if err := convert(o, &s); err != nil {
			return err
		}
		d.Slices = append(d.Slices, s)
	}
	return nil
}
