/* cmd_report.h - `cpsbatch report merge|diff`: load reports merged exactly, or compared. */
#ifndef CPSBATCH_CMD_REPORT_H
#define CPSBATCH_CMD_REPORT_H

int cmd_report(int argc, char **argv);

#endif
