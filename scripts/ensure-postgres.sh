#!/usr/bin/env bash
# The PostgreSQL tests need a server at 127.0.0.1:5432 that lets user postgres in without a
# password and has a database "test" (the development and CI machines run one). When it is
# not answering: start Debian's cluster; when PostgreSQL is not installed: install Debian's
# `postgresql` (as root), and set the fresh cluster up that way (trust on 127.0.0.1 only).
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
command -v pg_isready >/dev/null && ready && exit 0

fresh=0
if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-postgres: PostgreSQL is not installed; as root: apt-get update && apt-get install -y postgresql" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fresh=1
fi
version=$(ls /etc/postgresql | sort -V | tail -1)
if [ "$fresh" = 1 ]; then
  # Our own new cluster: the tests' settings (a cluster found installed is left as it is).
  sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/' "/etc/postgresql/$version/main/pg_hba.conf"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster --skip-systemctl-redirect "$version" main reload
for _ in $(seq 1 30); do ready && break; sleep 1; done
ready || { echo "ensure-postgres: PostgreSQL $version did not start (see /var/log/postgresql/)" >&2; exit 1; }
if [ "$fresh" = 1 ]; then
  runuser -u postgres -- createdb -h 127.0.0.1 test 2>/dev/null || true
fi
