/* cmd_catalog.h - `cpsbatch catalog`: what the API offers, as a table or a catalog file. */
#ifndef CPSBATCH_CMD_CATALOG_H
#define CPSBATCH_CMD_CATALOG_H

/* argv[0] is "catalog". Returns the exit status. */
int cmd_catalog(int argc, char **argv);

#endif
