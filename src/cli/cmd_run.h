/* cmd_run.h - `cpsbatch run JOB.csv`: provision every row; rerun the same command to resume. */
#ifndef CPSBATCH_CMD_RUN_H
#define CPSBATCH_CMD_RUN_H

/* argv[0] is "run". Returns the exit status (exitcode.h). */
int cmd_run(int argc, char **argv);

#endif
