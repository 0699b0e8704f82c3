/* cmd_load.h - `cpsbatch load JOB.csv --endpoint URL ...`: load-test an endpoint. */
#ifndef CPSBATCH_CMD_LOAD_H
#define CPSBATCH_CMD_LOAD_H

/* argv[0] is "load". Returns the exit status: 0 done (every threshold met), 2 usage error (or
 * a refused endpoint), 3 interrupted (the report is still written), 4 a threshold failed, 65
 * invalid input (nothing sent), 66 unreadable input, 70 internal error. */
int cmd_load(int argc, char **argv);

#endif
