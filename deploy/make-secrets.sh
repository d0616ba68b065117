#!/bin/sh
# Writes the three secret values deploy/ needs into deploy/secrets/ (git-ignored, mode 0600), where
# `kubectl apply -k deploy/` reads them (Kustomization's secretGenerator):
#   secrets/internal-token       48 random alphanumerics: the services' shared /internal/* token (>= 32)
#   secrets/admin-key            ask_<16 alphanumerics>_<48 alphanumerics>: the bootstrap admin key
#   secrets/postgresql-password  32 random alphanumerics: the database password
# A file that exists is kept: PostgreSQL and api-service keep the password and the admin key of their
# first start, so a new value would lock api-service out of its database. Delete a file to have a
# new value made (the internal token can be rotated that way at any time; then re-apply and
# `kubectl -n tensorbox rollout restart deployment`).
# Values have no trailing newline (a Secret made from a file holds its bytes exactly).
set -eu
dir=$(cd "$(dirname "$0")" && pwd)/secrets
umask 077
mkdir -p "$dir"

random() { # $1 characters from [A-Za-z0-9]
  LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1"
}

put() { # $1 file name, $2 value
  if [ -s "$dir/$1" ]; then
    echo "kept    $dir/$1"
  else
    printf '%s' "$2" >"$dir/$1.tmp"
    mv "$dir/$1.tmp" "$dir/$1"
    echo "written $dir/$1"
  fi
}

put internal-token "$(random 48)"
put admin-key "ask_$(random 16)_$(random 48)"
put postgresql-password "$(random 32)"
