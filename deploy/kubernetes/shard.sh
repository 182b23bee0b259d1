#!/bin/sh
# One pod of the Indexed Job (shards-job.yaml): counts shard JOB_COMPLETION_INDEX+1 of SHARDS
# of the package and leaves it, sealed, in $WORK/shards/<i>. A pod that is retried starts
# its shard again; a shard already in place is kept.
#   JOB_COMPLETION_INDEX  set by Kubernetes (0 … SHARDS-1)
#   SHARDS PACKAGE WORK   the split, the package (folder or zip) and the shared work folder
#   CONFIG HARNESS        optional: the lab's harness.toml; the binary (default on PATH)
set -eu
: "${JOB_COMPLETION_INDEX:?set by Kubernetes for an Indexed Job}"
: "${SHARDS:?}" "${PACKAGE:?}" "${WORK:?}"
harness=${HARNESS:-tianping-harness}
i=$((JOB_COMPLETION_INDEX + 1))
final="$WORK/shards/$i"
if [ -f "$final/shard.json" ]; then
  echo "shard $i/$SHARDS is already in $final" >&2
  exit 0
fi
partial="$WORK/shards/.$i.partial"
rm -rf "$partial"
mkdir -p "$WORK/shards"
if [ -n "${CONFIG:-}" ]; then
  "$harness" run --package "$PACKAGE" --config "$CONFIG" --shard "$i/$SHARDS" --out "$partial"
else
  "$harness" run --package "$PACKAGE" --shard "$i/$SHARDS" --out "$partial"
fi
# In place only when complete and sealed: the merge never sees half a shard.
mv "$partial" "$final"
