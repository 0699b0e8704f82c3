#!/usr/bin/env bash
# The layering is enforced by the build: each source in tests/layout/ includes a header its
# library may not see, and building it must fail on exactly that header; the control case
# (cli including the emulator and the engine) must build. Targets: tests/CMakeLists.txt.
set -uo pipefail
build=${BUILD:?BUILD must name the build tree}
fail=0
# Two ctest runs of one build tree may run this at once: one at a time builds these targets.
exec 9>"$build/layout.lock"
flock 9
try() { # target, header that must be missing ("" = must build)
    local out
    out=$(cmake --build "$build" --target "layout_$1" 2>&1)
    local rc=$?
    if [ -z "$2" ]; then
        [ $rc = 0 ] && echo "ok: layout_$1 builds" && return
        echo "FAIL: layout_$1 must build:"; echo "$out"; fail=1; return
    fi
    if [ $rc != 0 ] && grep -q "$2: No such file" <<<"$out"; then
        echo "ok: layout_$1 is refused ($2 not visible)"
    else
        echo "FAIL: layout_$1 must fail on $2 (exit $rc):"; echo "$out"; fail=1
    fi
}
try engine_includes_ledger ""
try engine_includes_sim sim.h
try ledger_includes_cli cmd_run.h
try sim_includes_transport transport.h
try job_includes_engine engine.h
try util_includes_spec spec.h
try load_includes_ledger ledger.h
[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
