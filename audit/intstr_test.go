package audit_test

import "k8s.io/apimachinery/pkg/util/intstr"

type intstrValue = intstr.IntOrString

func intstrOf(i int) intstr.IntOrString { return intstr.FromInt32(int32(i)) }
