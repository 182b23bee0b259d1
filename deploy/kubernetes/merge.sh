#!/bin/sh
# The merge Job (merge-job.yaml), after every shard pod succeeded: one run folder from
# $WORK/shards/1 … $WORK/shards/$SHARDS, judged as a single pass over the package would be,
# in $WORK/run (or $OUT). The harness refuses a missing, doubled or foreign shard.
# Exit 0 when the run was evaluated, whatever it found (results.json and the report say
# that; a Job that failed on a finding would only be retried); otherwise the harness's code.
#   SHARDS WORK           the split and the shared work folder
#   CONFIG HARNESS OUT    optional: the lab's harness.toml, the binary, the run folder
#   ARGS                  optional: more options for the run, e.g. "--lang zh,en"
set -eu
: "${SHARDS:?}" "${WORK:?}"
harness=${HARNESS:-tianping-harness}
set --
i=1
while [ "$i" -le "$SHARDS" ]; do
  set -- "$@" "$WORK/shards/$i"
  i=$((i + 1))
done
out=${OUT:-$WORK/run}
status=0
if [ -n "${CONFIG:-}" ]; then
  # shellcheck disable=SC2086 # ARGS is a list of options
  "$harness" run ${ARGS:-} --merge-shards "$@" --config "$CONFIG" --out "$out" || status=$?
else
  # shellcheck disable=SC2086
  "$harness" run ${ARGS:-} --merge-shards "$@" --out "$out" || status=$?
fi
case $status in
  0 | 1 | 2) echo "merged run in $out (exit $status: see results.json)" >&2; exit 0 ;;
  *) exit "$status" ;;
esac
