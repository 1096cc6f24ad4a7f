#!/usr/bin/env bash
# Nightly logical backup (the CronJob aquaerp-db-backup): one `pg_dump -Fc` per schema from a
# single snapshot, uploaded to the primary Spaces bucket (fra1), then copied to the off-site
# bucket (ams3) and checked there. Exits non-zero on any failure, so the Job fails and the
# DatabaseDumpTooOld alert fires once no dump has succeeded for 26 hours.
#
# Environment:
#   DATABASE_URL       read-only role on every application schema
#   BACKUP_PREFIX      path inside the buckets, e.g. production
#   BACKUP_PRIMARY     rclone remote and bucket, e.g. fra1:aquaerp-backups-fra1
#   BACKUP_OFFSITE     rclone remote and bucket, e.g. ams3:aquaerp-backups-ams3
#   RCLONE_CONFIG_<REMOTE>_*   the remotes (type s3, provider DigitalOcean, endpoint, keys)
#   BACKUP_WORK_DIR    scratch space for the dump files (default /backup)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/backup/lib.sh
source "$here/lib.sh"

: "${DATABASE_URL:?}" "${BACKUP_PREFIX:?}" "${BACKUP_PRIMARY:?}" "${BACKUP_OFFSITE:?}"
started=$(date +%s)
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
work=${BACKUP_WORK_DIR:-/backup}/$stamp
path="$BACKUP_PREFIX/postgresql/$stamp"

dump_database "$DATABASE_URL" "$work"
# Each archive must be readable by pg_restore before it counts as a backup.
while read -r schema; do
    pg_tool pg_restore --list "$work/$schema.dump" >/dev/null
done <"$work/schemas.txt"

log "uploading to $BACKUP_PRIMARY/$path"
rclone copy --checksum --no-traverse "$work" "$BACKUP_PRIMARY/$path"
rclone check --one-way "$work" "$BACKUP_PRIMARY/$path"

log "copying off-site to $BACKUP_OFFSITE/$path"
rclone copy --checksum --no-traverse "$BACKUP_PRIMARY/$path" "$BACKUP_OFFSITE/$path"
rclone check --one-way "$work" "$BACKUP_OFFSITE/$path"

tables=$(wc -l <"$work/rowcounts.tsv")
rm -rf "$work"
log "backup $path done: $tables tables in $(($(date +%s) - started)) s"
