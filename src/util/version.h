/* version.h - the program's version, for --version and for what it writes (ledger headers,
 * load reports): the project's version (CMakeLists.txt, project(VERSION)) and, when built from
 * a git checkout, the commit: "0.1.0 (git 1a2b3c4)", "-dirty" after the id when the tree had
 * changes; "0.1.0" alone when built from a tarball. Generated at every build
 * (cmake/version.cmake), so it never names an older commit than the one built. */
#ifndef CPSBATCH_VERSION_H
#define CPSBATCH_VERSION_H

/* A static string: "X.Y.Z" or "X.Y.Z (git REV)". */
const char *cps_version(void);

#endif
