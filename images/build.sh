#!/usr/bin/env bash
# Builds every TensorBox image without a Docker daemon, as image archives a cluster imports
# (`ctr -n k8s.io images import`, ../shared/kube/load-image.sh):
#   tensorbox/sandbox-base   Debian bookworm (debootstrap) with what seed 003 assumes
#   tensorbox/runtime-base   Debian bookworm (debootstrap) + a JRE made here with jlink
#   tensorbox/postgresql     Debian's PostgreSQL 15, configured like the official image
#   tensorbox/scheduler-service, log-service, api-service   Jib (jib:buildTar) on runtime-base
#
#   images/build.sh [--tag T (default: the chart's appVersion)] [--load] [--push REGISTRY]
#
# Output: target/images/*.tar. The root filesystems and the JRE are cached under
# $TENSORBOX_IMAGE_CACHE (default ~/.cache/tensorbox/images), keyed by what goes into them, so a
# rebuild only redoes Jib's application layers. debootstrap needs root.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# the tag the chart uses when its values name none: its appVersion
tag=$(awk -F'"' '/^appVersion:/{print $2}' "$here/helm/tensorbox/Chart.yaml")
load=false
registry=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --load) load=true; shift ;;
    --push) registry=${2%/}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "images/build.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf 'images/build.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "debootstrap needs root: run it as root (or with sudo)"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install -y debootstrap"

# A JDK 21+ for the build and for jlink (the JRE keeps its version).
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -Eq 'version "(2[1-9]|[3-9][0-9])'; then
  for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
    [ -x "$j/bin/jlink" ] && { export JAVA_HOME=$j; break; }
  done
fi
[ -x "${JAVA_HOME:-}/bin/jlink" ] || die "no JDK 21+ with jlink found: set JAVA_HOME"

cache=${TENSORBOX_IMAGE_CACHE:-$HOME/.cache/tensorbox/images}
out=$here/target/images
mkdir -p "$cache" "$out"
# Every file and the image's creation time at the epoch (as Jib does), so the same root filesystem
# gives the same archive, byte for byte, whatever the commit.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}

mirror=$(awk '/^URIs:/{print $2; exit} /^deb /{print $2; exit}' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null || true)
case "$mirror" in http*://*/debian) ;; *) mirror=http://deb.debian.org/debian ;; esac

# rootfs NAME PACKAGES SETUP-FUNCTION -> prints the cached directory (debootstrapped once per key)
rootfs() {
  local name=$1 packages=$2 setup=$3
  local key; key=$(printf '%s\n%s\n' "$packages" "$(declare -f "$setup")" | sha256sum | cut -c1-16)
  local dir=$cache/rootfs-$name-$key
  if [ ! -d "$dir" ]; then
    log "debootstrap bookworm minbase + $packages -> $dir"
    rm -rf "$dir.tmp"
    debootstrap --variant=minbase --include="$packages" bookworm "$dir.tmp" "$mirror" > "$cache/debootstrap-$name.log" 2>&1 \
      || { tail -20 "$cache/debootstrap-$name.log" >&2; die "debootstrap of $name failed"; }
    "$setup" "$dir.tmp"
    # what an image does not need: apt's caches and lists, logs, man pages
    rm -rf "$dir.tmp"/var/cache/apt/* "$dir.tmp"/var/lib/apt/lists/* "$dir.tmp"/var/log/* \
      "$dir.tmp"/usr/share/man/* "$dir.tmp"/usr/share/doc/* "$dir.tmp"/tmp/* "$dir.tmp"/var/tmp/*
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

sandbox_setup() {
  chroot "$1" useradd --create-home --uid 1000 --user-group --shell /bin/bash user
}

runtime_setup() {
  # the services run as this uid (the chart's securityContext says runAsNonRoot)
  chroot "$1" useradd --no-create-home --home-dir /deployments --uid 185 --user-group --shell /usr/sbin/nologin tensorbox
}

# docker_archive ROOTFS REF OUT [CONFIG-JSON]: a one-layer docker-archive (what `docker save`
# writes, what Jib reads as a tar:// base and ctr imports), reproducible: sorted, numeric owners,
# every mtime SOURCE_DATE_EPOCH.
docker_archive() {
  local rootfs=$1 ref=$2 outfile=$3 config=${4:-'{}'}
  local w; w=$(mktemp -d "$cache/.archive.XXXXXX")
  tar --numeric-owner --xattrs --sort=name --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$rootfs" -cf "$w/layer.tar" .
  local diff; diff=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
  jq -cn --argjson c "$config" --arg d "sha256:$diff" --arg t "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)" \
    '{architecture:"amd64", os:"linux", created:$t, config:$c, rootfs:{type:"layers", diff_ids:[$d]},
      history:[{created:$t, created_by:"tensorbox images/build.sh"}]}' > "$w/config.json"
  local cfg; cfg=$(sha256sum "$w/config.json" | cut -d' ' -f1)
  mv "$w/config.json" "$w/$cfg.json"
  mkdir "$w/$diff" && mv "$w/layer.tar" "$w/$diff/layer.tar"
  jq -cn --arg c "$cfg.json" --arg r "$ref" --arg l "$diff/layer.tar" '[{Config:$c, RepoTags:[$r], Layers:[$l]}]' > "$w/manifest.json"
  tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --numeric-owner -C "$w" -cf "$outfile.tmp" manifest.json "$cfg.json" "$diff"
  mv "$outfile.tmp" "$outfile"
  rm -rf "$w"
}

# 1. The sandbox base image: what seed 003 assumes (a `user` with a home, bash, coreutils,
#    util-linux, procps, python3, ca-certificates), and inotify-tools for file watching.
sandbox_pkgs=bash,coreutils,util-linux,procps,findutils,python3,ca-certificates,inotify-tools,passwd
sandbox_root=$(rootfs sandbox "$sandbox_pkgs" sandbox_setup)
log "tensorbox/sandbox-base:$tag"
docker_archive "$sandbox_root" "tensorbox/sandbox-base:$tag" "$out/sandbox-base.tar" \
  '{"User":"1000","WorkingDir":"/home/user","Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8"],"Cmd":["/bin/bash"]}'

# 2. The base the services run on: Debian + a JRE made by jlink from the build's JDK.
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,jdk.crypto.cryptoki,jdk.management,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs
jdk_release=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.runtime.version/{print $2}')
jre_key=$(printf '%s\n%s\n' "$jdk_release" "$modules" | sha256sum | cut -c1-16)
jre=$cache/jre-$jre_key
if [ ! -d "$jre" ]; then
  log "jlink $jdk_release ($modules) -> $jre"
  rm -rf "$jre.tmp"
  "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --output "$jre.tmp"
  mv "$jre.tmp" "$jre"
fi
runtime_root=$(rootfs runtime ca-certificates,passwd runtime_setup)
staged=$cache/stage-runtime
rm -rf "$staged" && cp -a "$runtime_root" "$staged" && mkdir -p "$staged/opt" && cp -a "$jre" "$staged/opt/java"
mkdir -p "$staged/deployments" && chown 185:185 "$staged/deployments"
log "tensorbox/runtime-base:$tag (JRE $jdk_release)"
docker_archive "$staged" "tensorbox/runtime-base:$tag" "$out/runtime-base.tar" \
  '{"User":"185","WorkingDir":"/deployments","Env":["PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"]}'
rm -rf "$staged"

# 3. PostgreSQL of Debian for the chart's bundled database, configured like the official image
#    (same variables, PGDATA, uid 70), so a cluster without a registry has one too.
postgresql_setup() {
  # the official image's uid and gid, which the chart's securityContext names
  chroot "$1" sh -c 'groupmod -g 70 postgres && usermod -u 70 -g 70 postgres'
  rm -rf "$1"/var/lib/postgresql/* "$1"/etc/postgresql/*
  mkdir -p "$1/var/lib/postgresql/data" "$1/var/run/postgresql"
  chroot "$1" chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
}
pg_root=$(rootfs postgresql postgresql-15,passwd,ca-certificates postgresql_setup)
staged=$cache/stage-postgresql
rm -rf "$staged" && cp -a "$pg_root" "$staged"
install -m 0755 "$here/images/postgresql/entrypoint.sh" "$staged/usr/local/bin/tensorbox-postgresql"
log "tensorbox/postgresql:$tag"
docker_archive "$staged" "tensorbox/postgresql:$tag" "$out/postgresql.tar" \
  '{"User":"70","WorkingDir":"/var/lib/postgresql","Env":["PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","PGDATA=/var/lib/postgresql/data","LANG=C.UTF-8"],"Entrypoint":["/usr/local/bin/tensorbox-postgresql"],"ExposedPorts":{"5432/tcp":{}}}'
rm -rf "$staged"

# 4. The services: Jib on that base, the Quarkus fast-jar laid out in layers (see the parent pom's
#    `images` profile).
cd "$here"
./mvnw -B -q package -DskipTests -Pimages -pl scheduler-service,log-service,api-service -am \
  -Dtensorbox.image.tag="$tag" -Dtensorbox.image.base="tar://$out/runtime-base.tar" \
  ${registry:+-Dtensorbox.image.registry="$registry/"}
for s in scheduler-service log-service api-service; do
  cp "$s/target/jib-image.tar" "$out/$s.tar"
done

if [ -n "$registry" ]; then
  log "pushing to $registry"
  ./mvnw -B -q jib:build -Pimages -pl scheduler-service,log-service,api-service \
    -Dtensorbox.image.tag="$tag" -Dtensorbox.image.base="tar://$out/runtime-base.tar" -Dtensorbox.image.registry="$registry/"
fi

ls -l "$out"/*.tar >&2
if $load; then
  loader=$here/../shared/kube/load-image.sh
  [ -x "$loader" ] || loader=$(command -v load-image.sh || true)
  [ -n "$loader" ] || die "--load needs ../shared/kube/load-image.sh"
  "$loader" "$out"/sandbox-base.tar "$out"/postgresql.tar "$out"/scheduler-service.tar "$out"/log-service.tar "$out"/api-service.tar
fi
