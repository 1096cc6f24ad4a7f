#!/usr/bin/env bash
# Restore drill, database part: dump (or take the nightly dumps), restore into a fresh
# database, check that every table has the rows of the dump's snapshot, verify the invoice
# hash chain, and say how long it took. See docs/operations/restore-drill.md.
#
#   restore-drill.sh --source URL --target URL      dump URL now, restore into URL
#   restore-drill.sh --from DIR --target URL        restore the dumps in DIR (downloaded from Spaces)
#
# Options:
#   --replace        drop the target database first if it exists (never the source)
#   --drop-after     drop the target database at the end (a drill that leaves nothing behind)
#   --work DIR       where to write the dump with --source (default: a temporary directory)
# Environment:
#   PG_BIN           directory of pg_dump/pg_restore/psql (same major version as the server or newer)
#   PYTHON           interpreter with the AquaERP packages (default: python, then python3)
#   VERIFY_COMMAND   replaces the invoice hash-chain check (run with FACTURE_DATABASE_URL set)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/backup/lib.sh
source "$here/lib.sh"

usage() {
    sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

source_url="" from_dir="" target_url="" work_dir="" replace=false drop_after=false
while (($#)); do
    case $1 in
        --source) source_url=$2; shift 2 ;;
        --from) from_dir=$2; shift 2 ;;
        --target) target_url=$2; shift 2 ;;
        --work) work_dir=$2; shift 2 ;;
        --replace) replace=true; shift ;;
        --drop-after) drop_after=true; shift ;;
        -h | --help) usage ;;
        *) echo "unknown argument: $1" >&2; usage ;;
    esac
done
[[ -n $target_url ]] || { echo "--target is required" >&2; usage; }
[[ -n $source_url || -n $from_dir ]] || { echo "--source or --from is required" >&2; usage; }
[[ -z $source_url || -z $from_dir ]] || { echo "--source and --from exclude each other" >&2; usage; }

started=$(date +%s.%N)
elapsed() { awk -v start="$started" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - start }'; }

target_db=$(database_name "$target_url")
admin_url=$(with_database "$target_url" postgres)
if [[ -n $source_url && $(database_name "$source_url") == "$target_db" && \
      $(with_database "$source_url" x) == $(with_database "$target_url" x) ]]; then
    echo "the target must be a different database than the source" >&2
    exit 2
fi

# 1. The dump: taken now from the source, or the nightly one.
if [[ -n $source_url ]]; then
    if [[ -z $work_dir ]]; then
        work_dir=$(mktemp -d)
        trap 'rm -rf "$work_dir"' EXIT
    fi
    from_dir=$work_dir
    log "dumping $(database_name "$source_url")"
    dump_database "$source_url" "$from_dir"
fi
[[ -f $from_dir/SHA256SUMS ]] || { echo "$from_dir holds no dump (SHA256SUMS missing)" >&2; exit 2; }

# 2. A fresh database.
exists=$(psql_query "$admin_url" "SELECT 1 FROM pg_database WHERE datname = '$target_db'")
if [[ -n $exists ]]; then
    if ! $replace; then
        echo "database $target_db exists; pass --replace to drop it first" >&2
        exit 2
    fi
    psql_query "$admin_url" "DROP DATABASE \"$target_db\" WITH (FORCE)" >/dev/null
fi
psql_query "$admin_url" "CREATE DATABASE \"$target_db\"" >/dev/null
log "created database $target_db"

# 3. Restore.
restore_database "$from_dir" "$target_url"

# 4. Every table has exactly the rows it had in the dump's snapshot.
mapfile -t schemas <"$from_dir/schemas.txt"
if ! diff_output=$(diff <(sort "$from_dir/rowcounts.tsv") <(row_counts "$target_url" "${schemas[*]}" | sort)); then
    echo "ROW COUNTS DIFFER (< dump, > restored):" >&2
    echo "$diff_output" >&2
    exit 1
fi
tables=$(wc -l <"$from_dir/rowcounts.tsv")
rows=$(awk -F '\t' '{ total += $2 } END { print total + 0 }' "$from_dir/rowcounts.tsv")
echo "row counts equal: $tables tables, $rows rows"

# 5. The invoice hash chain (tamper evidence) verifies on the restored data.
python=${PYTHON:-}
if [[ -z $python ]]; then
    python=$(command -v python || command -v python3 || true)
fi
if [[ -n ${VERIFY_COMMAND:-} ]]; then
    FACTURE_DATABASE_URL=$target_url bash -c "$VERIFY_COMMAND"
    echo "verification passed: $VERIFY_COMMAND"
elif ! grep -qx facture "$from_dir/schemas.txt"; then
    echo "note: no facture schema in this dump; invoice hash chain not checked"
elif [[ -n $python ]] && "$python" -m aquaerp_facture --help 2>/dev/null | grep -q verify-chain; then
    FACTURE_DATABASE_URL=$target_url "$python" -m aquaerp_facture verify-chain
    echo "invoice hash chain verified"
else
    echo "note: 'python -m aquaerp_facture verify-chain' is not available here; invoice hash chain not checked"
fi

if $drop_after; then
    psql_query "$admin_url" "DROP DATABASE \"$target_db\" WITH (FORCE)" >/dev/null
    log "dropped database $target_db"
fi
echo "restore drill took $(elapsed) s"
