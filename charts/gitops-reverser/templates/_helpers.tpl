{{/* Names, labels and the Temporal connection every template shares. */}}

{{- define "gitops-reverser.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every object's name: the release name, unless it already holds the chart's. */}}
{{- define "gitops-reverser.fullname" -}}
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

{{- define "gitops-reverser.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "gitops-reverser.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component: call with (list $ "worker"). */}}
{{- define "gitops-reverser.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "gitops-reverser.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "gitops-reverser.componentLabels" -}}
{{- $root := index . 0 -}}
{{ include "gitops-reverser.labels" $root }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "gitops-reverser.workerServiceAccount" -}}
{{ include "gitops-reverser.fullname" . }}-worker
{{- end }}

{{- define "gitops-reverser.bridgeServiceAccount" -}}
{{ include "gitops-reverser.fullname" . }}-bridge
{{- end }}

{{- define "gitops-reverser.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* host:port of the Temporal frontend the worker and the bridge dial. */}}
{{- define "gitops-reverser.temporalAddress" -}}
{{- if eq .Values.temporal.mode "embedded" }}
{{- printf "%s-temporal.%s.svc:%d" (include "gitops-reverser.fullname" .) .Release.Namespace (int .Values.temporal.embedded.port) }}
{{- else }}
{{- .Values.temporal.address }}
{{- end }}
{{- end }}

{{/* The connection settings of docs/operations.md, as environment variables: call with
(list $ ":8080"), the second item being the process's metrics address. */}}
{{- define "gitops-reverser.env" -}}
{{- $root := index . 0 -}}
{{- $t := $root.Values.temporal }}
{{- $external := eq $t.mode "external" -}}
- name: GITOPS_REVERSER_TEMPORAL_ADDRESS
  value: {{ include "gitops-reverser.temporalAddress" $root | quote }}
- name: GITOPS_REVERSER_TEMPORAL_NAMESPACE
  value: {{ $t.namespace | quote }}
- name: GITOPS_REVERSER_TASK_QUEUE
  value: {{ $t.taskQueue | quote }}
- name: GITOPS_REVERSER_STATUS_TASK_QUEUE
  value: {{ $t.statusTaskQueue | quote }}
- name: GITOPS_REVERSER_METRICS_ADDRESS
  value: {{ index . 1 | quote }}
{{- if $external }}
- name: GITOPS_REVERSER_TEMPORAL_TLS
  value: {{ or $t.tls.enabled (ne $t.apiKey.secretName "") | quote }}
{{- if $t.tls.enabled }}
{{- if $t.tls.ca }}
- name: GITOPS_REVERSER_TEMPORAL_TLS_CA
  value: /etc/gitops-reverser/temporal-tls/ca.crt
{{- end }}
- name: GITOPS_REVERSER_TEMPORAL_TLS_CERT
  value: /etc/gitops-reverser/temporal-tls/tls.crt
- name: GITOPS_REVERSER_TEMPORAL_TLS_KEY
  value: /etc/gitops-reverser/temporal-tls/tls.key
{{- end }}
{{- if $t.tls.serverName }}
- name: GITOPS_REVERSER_TEMPORAL_TLS_SERVER_NAME
  value: {{ $t.tls.serverName | quote }}
{{- end }}
{{- if $t.apiKey.secretName }}
- name: GITOPS_REVERSER_TEMPORAL_API_KEY_FILE
  value: /etc/gitops-reverser/temporal-api-key/{{ $t.apiKey.key }}
{{- end }}
{{- end }}
{{- end }}

{{/* Volumes every process pod has: /tmp (the root filesystem is read-only) and the
Temporal client credentials in external mode. */}}
{{- define "gitops-reverser.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if eq .Values.temporal.mode "external" }}
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tls.secretName }}
    defaultMode: 0440
{{- end }}
{{- if .Values.temporal.apiKey.secretName }}
- name: temporal-api-key
  secret:
    secretName: {{ .Values.temporal.apiKey.secretName }}
    defaultMode: 0440
{{- end }}
{{- end }}
{{- end }}

{{- define "gitops-reverser.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if eq .Values.temporal.mode "external" }}
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: /etc/gitops-reverser/temporal-tls
  readOnly: true
{{- end }}
{{- if .Values.temporal.apiKey.secretName }}
- name: temporal-api-key
  mountPath: /etc/gitops-reverser/temporal-api-key
  readOnly: true
{{- end }}
{{- end }}
{{- end }}

{{- define "gitops-reverser.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "gitops-reverser.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
{{- end }}

{{/* Probes on /healthz of the metrics port (200 while running, 503 while shutting down). */}}
{{- define "gitops-reverser.probes" -}}
readinessProbe:
  httpGet:
    path: /healthz
    port: metrics
  periodSeconds: 10
  failureThreshold: 3
livenessProbe:
  httpGet:
    path: /healthz
    port: metrics
  initialDelaySeconds: 10
  periodSeconds: 20
  failureThreshold: 3
{{- end }}
