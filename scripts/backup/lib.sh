# shellcheck shell=bash
# Shared by pg-backup.sh (the nightly CronJob) and restore-drill.sh. Source it, do not run it.
#
# PG_BIN: directory of pg_dump/pg_restore/psql matching the server's major version (or newer);
# empty means the ones on PATH.

pg_tool() {
    local tool=$1
    shift
    "${PG_BIN:+$PG_BIN/}$tool" "$@"
}

log() {
    printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

# with_database URL NAME: the same server URL pointing at database NAME (query string kept).
with_database() {
    local url=$1 name=$2 base query=""
    base=${url%%\?*}
    [[ $url == *\?* ]] && query="?${url#*\?}"
    local authority=${base#*://}
    authority=${authority%%/*}
    printf '%s://%s/%s%s' "${base%%://*}" "$authority" "$name" "$query"
}

# database_name URL: the database part of a URL.
database_name() {
    local base=${1%%\?*}
    base=${base#*://}
    printf '%s' "${base#*/}"
}

psql_query() {
    local url=$1 sql=$2
    pg_tool psql "$url" -X -q -t -A -v ON_ERROR_STOP=1 -c "$sql"
}

# The application schemas: every schema except PostgreSQL's own and public (BACKUP_SCHEMAS
# overrides, space separated).
list_schemas() {
    local url=$1
    if [[ -n ${BACKUP_SCHEMAS:-} ]]; then
        # Word splitting on purpose: a space-separated list.
        # shellcheck disable=SC2086
        printf '%s\n' $BACKUP_SCHEMAS
        return
    fi
    psql_query "$url" "SELECT nspname FROM pg_namespace
        WHERE nspname NOT LIKE 'pg\_%' AND nspname NOT IN ('information_schema', 'public')
        ORDER BY nspname"
}

# psql script printing "schema.table<TAB>rows" for every table of the given schemas (space
# separated): one count(*) per table, generated and run by \gexec in the same session.
row_counts_script() {
    local schemas=$1
    cat <<SQL
SELECT format('SELECT %L || E''\\t'' || count(*) FROM ONLY %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname = ANY (string_to_array('$schemas', ' '))
 ORDER BY n.nspname, c.relname
\\gexec
SQL
}

row_counts() {
    local url=$1 schemas=$2
    row_counts_script "$schemas" | pg_tool psql "$url" -X -q -t -A -v ON_ERROR_STOP=1
}

# dump_database URL DIR: one `pg_dump -Fc` file per application schema, all taken from the
# same snapshot (consistent across services), plus in DIR:
#   rowcounts.tsv   rows per table in that snapshot (what a restore must give back)
#   extensions.txt  extensions to create before restoring (they live outside the schemas)
#   schemas.txt     the schemas dumped, in order
#   SHA256SUMS      checksums of every file
dump_database() {
    local url=$1 dir=$2 schema snapshot line schemas to_session from_session session_pid
    mkdir -p "$dir"
    mapfile -t schema_list < <(list_schemas "$url")
    if ((${#schema_list[@]} == 0)); then
        log "no application schema in $(database_name "$url")"
        return 1
    fi
    schemas="${schema_list[*]}"
    printf '%s\n' "${schema_list[@]}" >"$dir/schemas.txt"

    # A session holds a repeatable-read snapshot; every pg_dump and the row counts use it.
    # (Its pipes are duplicated at once: bash may drop the coproc's variables while it runs.)
    coproc SNAPSHOT { pg_tool psql "$url" -X -q -t -A -v ON_ERROR_STOP=1 2>&1; }
    session_pid=$SNAPSHOT_PID
    exec {to_session}>&"${SNAPSHOT[1]}" {from_session}<&"${SNAPSHOT[0]}"
    printf '%s\n' "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;" \
        "SELECT pg_export_snapshot();" >&"$to_session"
    read -r -t 30 snapshot <&"$from_session"
    if [[ ! $snapshot =~ ^[0-9A-F-]+$ ]]; then
        log "could not export a snapshot: $snapshot"
        return 1
    fi
    for schema in "${schema_list[@]}"; do
        pg_tool pg_dump "$url" --snapshot="$snapshot" --format=custom --compress=6 \
            --no-owner --no-privileges --schema="$schema" --file="$dir/$schema.dump"
        log "dumped schema $schema ($(stat -c %s "$dir/$schema.dump") bytes)"
    done
    printf '%s\n' "$(row_counts_script "$schemas")" "SELECT '__END__';" >&"$to_session"
    : >"$dir/rowcounts.tsv"
    while true; do
        if ! read -r -t 300 line <&"$from_session"; then
            log "the snapshot session ended early: $(cat "$dir/rowcounts.tsv")"
            return 1
        fi
        [[ $line == __END__ ]] && break
        printf '%s\n' "$line" >>"$dir/rowcounts.tsv"
    done
    printf '%s\n' "COMMIT;" '\q' >&"$to_session"
    exec {to_session}>&- {from_session}<&-
    wait "$session_pid" 2>/dev/null || true

    psql_query "$url" "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1" \
        >"$dir/extensions.txt"
    (cd "$dir" && sha256sum -- *.dump rowcounts.tsv extensions.txt schemas.txt >SHA256SUMS)
}

# restore_database DIR URL: restores every dump of DIR into the (empty) database at URL.
restore_database() {
    local dir=$1 url=$2 extension schema
    (cd "$dir" && sha256sum --quiet --check SHA256SUMS)
    while read -r extension; do
        [[ -z $extension ]] && continue
        psql_query "$url" "CREATE EXTENSION IF NOT EXISTS \"$extension\"" >/dev/null
    done <"$dir/extensions.txt"
    while read -r schema; do
        pg_tool pg_restore --dbname="$url" --no-owner --no-privileges --exit-on-error \
            "$dir/$schema.dump"
        log "restored schema $schema"
    done <"$dir/schemas.txt"
}
