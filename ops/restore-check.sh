#!/usr/bin/env bash
# Restores a backup into a scratch database and checks it is usable: the schema is complete
# (no unapplied migrations) and the row counts match the source. Run it after every backup
# policy change and at least monthly; a backup that was never restored is not a backup.
# Usage: SOURCE_URL=postgres://…/rutapyme ADMIN_URL=postgres://…/postgres ops/restore-check.sh FILE.dump
set -euo pipefail
dump=${1:?usage: restore-check.sh FILE.dump}
scratch="rutapyme_restore_check_$$"
psql "$ADMIN_URL" -qc "CREATE DATABASE $scratch"
trap 'psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $scratch"' EXIT
target="${ADMIN_URL%/*}/$scratch"
pg_restore --no-owner --exit-on-error --jobs=2 --dbname="$target" "$dump"
count() { psql "$1" -tAc "SELECT (SELECT count(*) FROM firms_firm), (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM django_migrations)"; }
source_counts=$(count "$SOURCE_URL"); restored_counts=$(count "$target")
echo "source   firms|users|migrations: $source_counts"
echo "restored firms|users|migrations: $restored_counts"
DATABASE_URL="$target" RUTAPYME_TESTING=1 python manage.py migrate --check >/dev/null \
  && echo "migrations: complete"
[ "$source_counts" = "$restored_counts" ] && echo "RESTORE OK" || { echo "RESTORE MISMATCH"; exit 1; }
