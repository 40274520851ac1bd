{{/* The chart's name. */}}
{{- define "tiergate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: objects are named after it. */}}
{{- define "tiergate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tiergate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tiergate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tiergate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "tiergate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "tiergate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tiergate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The namespace serve audits when it is not every namespace; an unset one
is the release's.
*/}}
{{- define "tiergate.scopeNamespace" -}}
{{- default .Release.Namespace .Values.scope.namespace }}
{{- end }}

{{/* The report-writing rules' API group and resources, by --reports. */}}
{{- define "tiergate.reportKinds" -}}
{{- $r := .Values.reports | default "" }}
{{- if not (has $r (list "" "openreports" "policyreport" "none")) }}
{{- fail (printf "reports: %q is not one of openreports, policyreport, none (or empty for serve's default)" $r) }}
{{- end }}
{{- if or (eq $r "") (eq $r "openreports") }}
group: openreports.io
namespaced: reports
cluster: clusterreports
{{- else if eq $r "policyreport" }}
group: wgpolicyk8s.io
namespaced: policyreports
cluster: clusterpolicyreports
{{- end }}
{{- end }}
