#!/usr/bin/env bash
# deploy/kubernetes checked offline against the Kubernetes API's schemas (tests/k8s/check.mjs,
# kubernetes-models): every manifest passes; a copy of the run Job with a wrong field type
# (completions: "four") and an unknown field (backoffLimitPerIndx) fails, naming both; so does
# one with a value the schema's enum does not allow. Skipped (77) when node or the check's
# modules are missing: `npm ci` in tests/k8s (CI does).
source "$(dirname "$0")/lib.sh"

CHECK="$SRC/tests/k8s"
if ! command -v node >/dev/null; then
    skip "node is not installed (apt-get install nodejs npm)"
    finish
fi
if [ ! -d "$CHECK/node_modules/kubernetes-models" ] || [ ! -d "$CHECK/node_modules/yaml" ]; then
    skip "the check's modules are not installed (cd tests/k8s && npm ci)"
    finish
fi

manifests=("$SRC"/deploy/kubernetes/*.yaml)
check "there are manifests" [ "${#manifests[@]}" -ge 4 ]
rc node "$CHECK/check.mjs" "${manifests[@]}" >"$WORK/real.out" 2>&1
check_eq "the manifests pass" "$RC" 0
check_grep "every file was read" "^${#manifests[@]} files, 0 problems$" "$WORK/real.out"

# A broken copy: a string where the schema wants an integer, and a field the API does not know.
RUN="$SRC/deploy/kubernetes/run-job.yaml"
sed -e 's/^  completions: 4$/  completions: "four"/' \
    -e 's/^  backoffLimitPerIndex: 6$/  backoffLimitPerIndx: 6/' "$RUN" >"$WORK/broken.yaml"
check "the copy differs in two lines" [ "$(diff "$RUN" "$WORK/broken.yaml" | grep -c '^>')" = 2 ]
rc node "$CHECK/check.mjs" "$WORK/broken.yaml" >"$WORK/broken.out" 2>&1
check_eq "the broken copy fails" "$RC" 1
check_grep "names the wrong type" "/spec/completions: must be integer" "$WORK/broken.out" -F
check_grep "names the unknown field" '.spec: unknown field "backoffLimitPerIndx"' \
    "$WORK/broken.out" -F
check_grep "two problems" "^1 files, 2 problems$" "$WORK/broken.out"

# Deep inside: a value outside its enum, an unknown field of a container's volume mount.
sed -e 's/action: Ignore/action: Skip/' -e 's/subPathExpr:/subPathExp:/' "$RUN" >"$WORK/deep.yaml"
rc node "$CHECK/check.mjs" "$WORK/deep.yaml" >"$WORK/deep.out" 2>&1
check_eq "the deep errors fail" "$RC" 1
check_grep "names the enum" "/spec/podFailurePolicy/rules/2/action: must be equal to one of" \
    "$WORK/deep.out" -F
check_grep "names the mount's field" \
    'containers[0].volumeMounts[1]: unknown field "subPathExp"' "$WORK/deep.out" -F

# Not YAML of a known kind: refused, not passed over.
printf 'apiVersion: batch/v1\nkind: Jobb\nmetadata: {name: x}\n' >"$WORK/kind.yaml"
rc node "$CHECK/check.mjs" "$WORK/kind.yaml" >"$WORK/kind.out" 2>&1
check_eq "an unknown kind fails" "$RC" 1
check_grep "names the kind" 'no kind "Jobb" in batch/v1' "$WORK/kind.out" -F
finish
