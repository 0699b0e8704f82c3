/* cmd_export.h - `cpsbatch export LEDGER`: the operator's spreadsheet back, with results. */
#ifndef CPSBATCH_CMD_EXPORT_H
#define CPSBATCH_CMD_EXPORT_H

/* argv[0] is "export". Returns the exit status (exitcode.h). */
int cmd_export(int argc, char **argv);

#endif
