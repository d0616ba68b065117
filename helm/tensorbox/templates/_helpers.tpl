{{/* Chart name, at most 63 characters (a DNS label). */}}
{{- define "tensorbox.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's resources: "<release>-<chart>", or the release name alone when it
already contains the chart name. Truncated so that "<fullname>-scheduler" stays a DNS label.
*/}}
{{- define "tensorbox.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tensorbox.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every resource. */}}
{{- define "tensorbox.labels" -}}
helm.sh/chart: {{ include "tensorbox.chart" . }}
app.kubernetes.io/name: {{ include "tensorbox.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tensorbox
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component: (dict "ctx" $ "component" "api"). */}}
{{- define "tensorbox.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tensorbox.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Labels of one component's resources: (dict "ctx" $ "component" "api"). */}}
{{- define "tensorbox.componentLabels" -}}
{{ include "tensorbox.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Name of one component's resources (Deployment, Service): "<fullname>-<component>". */}}
{{- define "tensorbox.componentName" -}}
{{- printf "%s-%s" (include "tensorbox.fullname" .ctx) .component }}
{{- end }}

{{/* ServiceAccount of one component. */}}
{{- define "tensorbox.serviceAccountName" -}}
{{- $sa := (index .ctx.Values .component).serviceAccount }}
{{- if $sa.create }}
{{- default (include "tensorbox.componentName" .) $sa.name }}
{{- else }}
{{- default "default" $sa.name }}
{{- end }}
{{- end }}

{{/* Image of one component; the tag defaults to the chart's appVersion. */}}
{{- define "tensorbox.image" -}}
{{- $image := (index .ctx.Values .component).image }}
{{- printf "%s:%s" $image.repository (default .ctx.Chart.AppVersion $image.tag) }}
{{- end }}

{{/* In-cluster URL of one component's Service. */}}
{{- define "tensorbox.serviceUrl" -}}
{{- $port := (index .ctx.Values .component).service.port }}
{{- printf "http://%s.%s.svc:%v" (include "tensorbox.componentName" .) .ctx.Release.Namespace $port }}
{{- end }}

{{/* Namespace of the sandbox pods. */}}
{{- define "tensorbox.sandboxNamespace" -}}
{{- /* helm lint renders with no namespace */}}
{{- default (printf "%s-sandboxes" (default "default" .Release.Namespace)) .Values.sandboxes.namespace }}
{{- end }}

{{- define "tensorbox.baseImage" -}}
{{- printf "%s:%s" .Values.sandboxes.baseImage.repository (default .Chart.AppVersion .Values.sandboxes.baseImage.tag) }}
{{- end }}

{{/* The URL clients reach the API at. */}}
{{- define "tensorbox.publicUrl" -}}
{{- if .Values.publicUrl }}
{{- .Values.publicUrl | trimSuffix "/" }}
{{- else if .Values.ingress.enabled }}
{{- printf "%s://%s" (ternary "https" "http" (not (empty .Values.ingress.api.tlsSecretName))) .Values.ingress.api.host }}
{{- else }}
{{- print "http://localhost:8080" }}
{{- end }}
{{- end }}

{{/* Secret and key of the bootstrap admin key. */}}
{{- define "tensorbox.adminKeySecretName" -}}
{{- default (printf "%s-admin-key" (include "tensorbox.fullname" .)) .Values.bootstrapApiKey.existingSecret }}
{{- end }}

{{- define "tensorbox.adminKeySecretKey" -}}
{{- ternary .Values.bootstrapApiKey.existingSecretKey "api-key" (not (empty .Values.bootstrapApiKey.existingSecret)) }}
{{- end }}

{{/* Secret and key of the internal token every service is given. */}}
{{- define "tensorbox.internalTokenSecretName" -}}
{{- default (printf "%s-internal-token" (include "tensorbox.fullname" .)) .Values.internalToken.existingSecret }}
{{- end }}

{{- define "tensorbox.internalTokenSecretKey" -}}
{{- ternary .Values.internalToken.existingSecretKey "token" (not (empty .Values.internalToken.existingSecret)) }}
{{- end }}

{{/* Whether log-service serves the preview proxy (on its "preview" port). */}}
{{- define "tensorbox.previewEnabled" -}}
{{- if .Values.ingress.preview.domain }}true{{ end }}
{{- end }}

{{/* PostgreSQL: name of the bundled server's resources. */}}
{{- define "tensorbox.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "tensorbox.fullname" .) }}
{{- end }}

{{/* Secret and key that hold the database password (bundled or external). */}}
{{- define "tensorbox.database.secretName" -}}
{{- if .Values.postgresql.enabled }}
{{- default (include "tensorbox.postgresql.fullname" .) .Values.postgresql.existingSecret }}
{{- else }}
{{- required "externalDatabase.existingSecret is required when postgresql.enabled is false" .Values.externalDatabase.existingSecret }}
{{- end }}
{{- end }}

{{- define "tensorbox.database.secretKey" -}}
{{- if .Values.postgresql.enabled }}
{{- ternary .Values.postgresql.existingSecretPasswordKey "password" (not (empty .Values.postgresql.existingSecret)) }}
{{- else }}
{{- .Values.externalDatabase.existingSecretPasswordKey }}
{{- end }}
{{- end }}

{{- define "tensorbox.database.url" -}}
{{- if .Values.postgresql.enabled }}
{{- printf "jdbc:postgresql://%s.%s.svc:5432/%s" (include "tensorbox.postgresql.fullname" .) .Release.Namespace .Values.postgresql.database }}
{{- else }}
{{- required "externalDatabase.url is required when postgresql.enabled is false" .Values.externalDatabase.url }}
{{- end }}
{{- end }}

{{- define "tensorbox.database.username" -}}
{{- ternary .Values.postgresql.username .Values.externalDatabase.username .Values.postgresql.enabled }}
{{- end }}

{{/*
A value as a .properties value: backslashes doubled, newlines escaped, and "${" escaped so
SmallRye Config does not expand it.
*/}}
{{- define "tensorbox.propertyValue" -}}
{{- . | toString | replace "\\" "\\\\" | replace "\n" "\\n" | replace "${" "\\\\${" }}
{{- end }}
