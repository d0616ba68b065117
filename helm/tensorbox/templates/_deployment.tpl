{{/*
The Deployment of one service. Arguments (a dict):
  ctx        the root context ($)
  component  "api", "scheduler" or "log" (the key of its values)
  port       the port the service listens on inside the container (all its routes, /internal included)
  previewPort  optional second container port "preview" (log-service's preview proxy)
  env        rendered YAML list of the component's own EnvVars
  automountToken  whether the pod gets a service-account token (only the scheduler needs one)
  configMap  optional ConfigMap mounted at /etc/tensorbox (read through QUARKUS_CONFIG_LOCATIONS)
*/}}
{{- define "tensorbox.deployment" -}}
{{- $ctx := .ctx }}
{{- $values := index $ctx.Values .component }}
{{- $args := dict "ctx" $ctx "component" .component }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "tensorbox.componentName" $args }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "tensorbox.componentLabels" $args | nindent 4 }}
spec:
  replicas: {{ $values.replicas }}
  selector:
    matchLabels:
      {{- include "tensorbox.selectorLabels" $args | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "tensorbox.componentLabels" $args | nindent 8 }}
      {{- if or $values.podAnnotations .configMap }}
      annotations:
        {{- with $values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with .configMap }}
        # a template change rolls the pods, since Quarkus reads its config once
        checksum/config: {{ include (print $ctx.Template.BasePath "/scheduler-configmap.yaml") $ctx | sha256sum }}
        {{- end }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "tensorbox.serviceAccountName" $args }}
      automountServiceAccountToken: {{ .automountToken }}
      {{- with $ctx.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $ctx.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ include "tensorbox.image" $args | quote }}
          imagePullPolicy: {{ $values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .port }}
              protocol: TCP
            {{- with .previewPort }}
            - name: preview
              containerPort: {{ . }}
              protocol: TCP
            {{- end }}
          env:
            - name: QUARKUS_HTTP_PORT
              value: {{ .port | quote }}
            # the shared secret of the internal routes, sent and required by every service
            - name: TENSORBOX_INTERNAL_TOKEN
              valueFrom:
                secretKeyRef:
                  name: {{ include "tensorbox.internalTokenSecretName" $ctx }}
                  key: {{ include "tensorbox.internalTokenSecretKey" $ctx }}
            # console lines as JSON objects (kubectl logs): one per request, without secrets
            - name: TENSORBOX_LOG_FORMAT
              value: {{ $ctx.Values.logFormat | quote }}
            {{- with .configMap }}
            - name: QUARKUS_CONFIG_LOCATIONS
              value: file:/etc/tensorbox/application.properties
            {{- end }}
            {{- .env | nindent 12 }}
            {{- with $values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet:
              path: /q/health/live
              port: http
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet:
              path: /q/health/live
              port: http
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /q/health/ready
              port: http
            periodSeconds: 5
            failureThreshold: 3
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            {{- toYaml $ctx.Values.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with .configMap }}
            - name: config
              mountPath: /etc/tensorbox
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {}
        {{- with .configMap }}
        - name: config
          configMap:
            name: {{ . }}
        {{- end }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/* The Service of one service: (dict "ctx" $ "component" "api"), optionally "previewPort" (a service port). */}}
{{- define "tensorbox.service" -}}
{{- $values := index .ctx.Values .component }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "tensorbox.componentName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "tensorbox.componentLabels" . | nindent 4 }}
spec:
  type: {{ $values.service.type }}
  selector:
    {{- include "tensorbox.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $values.service.port }}
      targetPort: http
      protocol: TCP
    {{- if .previewPort }}
    - name: preview
      port: {{ .previewPort }}
      targetPort: preview
      protocol: TCP
    {{- end }}
{{- end }}

{{/* The ServiceAccount of one service: (dict "ctx" $ "component" "api"). */}}
{{- define "tensorbox.serviceAccount" -}}
{{- $sa := (index .ctx.Values .component).serviceAccount }}
{{- if $sa.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "tensorbox.serviceAccountName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "tensorbox.componentLabels" . | nindent 4 }}
  {{- with $sa.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end }}
{{- end }}
