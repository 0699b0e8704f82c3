/* cmd_validate.h - `cpsbatch validate JOB.csv`: check every row, send nothing. */
#ifndef CPSBATCH_CMD_VALIDATE_H
#define CPSBATCH_CMD_VALIDATE_H

/* argv[0] is "validate". Returns the exit status: 0 valid, 65 invalid, 66 unreadable, 2 usage. */
int cmd_validate(int argc, char **argv);

struct plan;
struct job_options;

/* The exit status for a plan_scan result (rc) over jo's CSV, printing why when it is not 0.
 * Shared by every command that scans a job first. */
int cmd_exit_for_scan(int rc, const struct job_options *jo, const struct plan *p);

#endif
