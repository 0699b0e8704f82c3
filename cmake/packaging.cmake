# Installing and packaging (included by CMakeLists.txt).
#
# cmake --install build [--prefix P] puts, under P (default /usr/local):
#   bin/cpsbatch, bin/cps-sim
#   share/man/man1/cpsbatch.1, cps-sim.1                       (docs/man)
#   share/bash-completion/completions/cpsbatch, cps-sim       (completions/cpsbatch.bash)
#   share/doc/cpsbatch/README.md, share/doc/cpsbatch/examples/*.csv   (jobs/)
# `cd build && cpack` builds cpsbatch_VERSION_ARCH.deb (prefix /usr) whose dependencies
# dpkg-shlibdeps reads off the programs: the Debian runtime libraries (libcurl4, libcsv3,
# libjansson4, libmicrohttpd12, libssl3, libc6). tests/e2e/package.sh checks both.
include(GNUInstallDirs)

install(TARGETS cpsbatch cps-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES docs/man/cpsbatch.1 docs/man/cps-sim.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
foreach(name cpsbatch cps-sim)
    install(FILES completions/cpsbatch.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME ${name})
endforeach()
file(GLOB CPS_EXAMPLE_JOBS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/jobs/*.csv)
install(FILES ${CPS_EXAMPLE_JOBS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cpsbatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "create JD Cloud Cloud Physical Servers in bulk from a CSV")
# The extended description; the synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "cpsbatch checks every row of a CSV of server requests \
against the API's rules and against what the API offers, then sends one signed \
createInstances call per row, many at once, within a rate limit, retrying 503 and 429, and \
records every outcome in a ledger keyed by clientToken: a rerun after a crash finishes the \
batch without creating anything twice. It also waits for the servers, exports the results as \
a sheet, and load-tests an endpoint at a fixed arrival rate. cps-sim, a local emulator of the \
API, is included for tests and first use.")
set(CPACK_PACKAGE_CONTACT "cpsbatch maintainers <cpsbatch@example.org>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "cpsbatch maintainers <cpsbatch@example.org>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # cpsbatch_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates, bash-completion, man-db")
set(CPACK_STRIP_FILES ON)
include(CPack)
