#!/usr/bin/env bash
# Installing and packaging (cmake/packaging.cmake): `cmake --install` into a DESTDIR puts
# exactly the programs, the man pages, the bash completion (as cpsbatch and cps-sim), the
# README and the sample jobs in their places, and the installed programs run; then cpack
# builds the .deb: its control names the Debian runtime libraries (dpkg-shlibdeps), no -dev
# package, a section and a maintainer; its files are the same; and the packaged cpsbatch, run
# from the unpacked package, creates the sample job's servers on its sandbox.
# The .deb part needs dpkg-deb and dpkg-shlibdeps (dpkg-dev): skipped (77) without them.
set -euo pipefail
. "$SRC/tests/e2e/lib.sh"
root=$WORK/root
# DESTDIR is an environment variable of cmake --install.
rm -rf "$root"
rc env DESTDIR="$root" cmake --install "$BUILD" --prefix /usr >"$WORK/install.out" 2>&1
check_eq "cmake --install: exit status" "$RC" 0

expected() {
    printf '%s\n' usr/bin/cpsbatch usr/bin/cps-sim usr/share/man/man1/cpsbatch.1 \
        usr/share/man/man1/cps-sim.1 usr/share/bash-completion/completions/cpsbatch \
        usr/share/bash-completion/completions/cps-sim usr/share/doc/cpsbatch/README.md
    for f in "$SRC"/jobs/*.csv; do echo "usr/share/doc/cpsbatch/examples/${f##*/}"; done
}
expected | sort >"$WORK/want"
(cd "$root" && find . -type f | sed 's|^\./||' | sort) >"$WORK/got"
check_eq "the installed files" "$(diff "$WORK/want" "$WORK/got" | tr '\n' ' ')" ""
check "cpsbatch is executable" test -x "$root/usr/bin/cpsbatch"
check_eq "the installed cpsbatch runs" "$("$root/usr/bin/cpsbatch" --version)" \
    "$("$BUILD/cpsbatch" --version)"
check_eq "the installed cps-sim runs" "$("$root/usr/bin/cps-sim" --version)" \
    "$("$BUILD/cps-sim" --version)"
check "the installed completion is the source's" \
    cmp "$root/usr/share/bash-completion/completions/cps-sim" "$SRC/completions/cpsbatch.bash"

# --- the .deb ---
command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null ||
    skip "dpkg-deb or dpkg-shlibdeps is not installed (apt-get install dpkg-dev)"
rc cpack --config "$BUILD/CPackConfig.cmake" -B "$WORK/pkg" >"$WORK/cpack.out" 2>&1
check_eq "cpack: exit status" "$RC" 0
[ "$RC" = 0 ] || cat "$WORK/cpack.out"
version=$("$BUILD/cpsbatch" --version | awk '{print $2}')
deb="$WORK/pkg/cpsbatch_${version}_$(dpkg --print-architecture).deb"
check "the package is named cpsbatch_VERSION_ARCH.deb" test -f "$deb"
dpkg-deb -f "$deb" >"$WORK/control"
check_grep "Package" "^Package: cpsbatch$" "$WORK/control"
check_grep "Version" "^Version: $version$" "$WORK/control"
check_grep "Section" "^Section: admin$" "$WORK/control"
check_grep "Maintainer" "^Maintainer: .+<.+@.+>$" "$WORK/control"
check_grep "Description" "^Description: .*JD Cloud" "$WORK/control"
depends=$(sed -n 's/^Depends: //p' "$WORK/control")
for lib in libc6 libcurl4 libcsv3 libjansson4 libmicrohttpd12 libssl3; do
    check_grep "Depends names $lib" "(^|, )$lib( |,|$)" <(echo "$depends")
done
check_no_grep "Depends names no -dev package" "-dev" <(echo "$depends")
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $NF}' | sed 's|^\./||' | sort >"$WORK/debfiles"
check_eq "the package's files" "$(diff "$WORK/want" "$WORK/debfiles" | tr '\n' ' ')" ""

# The packaged programs, unpacked (not installed), on the packaged sample job.
dpkg-deb -x "$deb" "$WORK/x"
rc timeout 120 "$WORK/x/usr/bin/cpsbatch" run --sandbox \
    "$WORK/x/usr/share/doc/cpsbatch/examples/sample.csv" --ledger "$WORK/sample.ledger.jsonl" \
    --yes --progress never >"$WORK/run.out" 2>&1
check_eq "the packaged cpsbatch run --sandbox on the sample job: exit status" "$RC" 0
check_grep "... the ledger names the version" "\"version\":\"$version" "$WORK/sample.ledger.jsonl"
finish
