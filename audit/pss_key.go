package audit

import corev1 "k8s.io/api/core/v1"

// pssKeySpec is the spec pssContentKey hashes: the template's spec
// without what makes otherwise equal pods differ and the Pod Security
// library never reads. Pods without a controller's revision hash (bare
// pods, Jobs', sandboxes') are judged by content, and without this each
// would be judged anew: every pod has its own node, and the API server
// names each pod's service account token volume (and the mounts of it)
// with a random suffix. Left out: nodeName, hostname, subdomain and
// affinity (where a pod is placed), every volume mount (the library
// reads no mount), and the names of volumes of the types every level
// allows (the library names only the volumes it refuses). The result
// shares the template's other slices and is only read.
func (s *subject) pssKeySpec(spec *corev1.PodSpec) *corev1.PodSpec {
	k := &s.pssKey
	k.spec = *spec
	k.spec.NodeName, k.spec.Hostname, k.spec.Subdomain, k.spec.Affinity = "", "", "", nil
	k.vols = append(k.vols[:0], spec.Volumes...)
	for i := range k.vols {
		if pssAllowedVolume(&k.vols[i].VolumeSource) {
			k.vols[i].Name = ""
		}
	}
	k.spec.Volumes = k.vols
	k.inits = unmounted(k.inits, spec.InitContainers)
	k.ctrs = unmounted(k.ctrs, spec.Containers)
	k.spec.InitContainers, k.spec.Containers = k.inits, k.ctrs
	return &k.spec
}

// unmounted copies containers into buf without their volume mounts.
func unmounted(buf, cs []corev1.Container) []corev1.Container {
	if cs == nil {
		return nil
	}
	buf = append(buf[:0], cs...)
	for i := range buf {
		buf[i].VolumeMounts = nil
	}
	return buf
}

// pssAllowedVolume reports whether a volume's type is one Pod Security
// allows at every level (restrictedVolumes' list): its name never
// appears in the library's verdict. TestPSSAllowedVolumes holds the
// library to it.
func pssAllowedVolume(v *corev1.VolumeSource) bool {
	return v.ConfigMap != nil || v.CSI != nil || v.DownwardAPI != nil || v.EmptyDir != nil ||
		v.Ephemeral != nil || v.Image != nil || v.PersistentVolumeClaim != nil || v.Projected != nil || v.Secret != nil
}
