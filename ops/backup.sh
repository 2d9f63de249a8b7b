#!/usr/bin/env bash
# Nightly backup of a Ruta Pyme country: database (custom-format pg_dump) and media files.
# Usage: DATABASE_URL=postgres://… MEDIA_ROOT=/srv/rutapyme/media ops/backup.sh /backups
set -euo pipefail
dest=${1:?usage: backup.sh DEST_DIR}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dest"
pg_dump --format=custom --no-owner --dbname="$DATABASE_URL" --file="$dest/rutapyme-$stamp.dump"
if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
  tar -C "$MEDIA_ROOT" -czf "$dest/media-$stamp.tar.gz" .
fi
echo "$dest/rutapyme-$stamp.dump"
