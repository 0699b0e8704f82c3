/* cmd_wait.h - `cpsbatch wait LEDGER`: wait until the servers a batch created run.
 *
 * Never creates: it only asks describeInstances about the instances of the ledger's done rows
 * (those not final yet, per the ledger's state records), records each change of state in the
 * ledger, and ends when every one runs or ended in error, at --wait-timeout, or on Ctrl-C.
 * The ledger is opened for writing (its lock: not while a run holds it).
 */
#ifndef CPSBATCH_CMD_WAIT_H
#define CPSBATCH_CMD_WAIT_H

/* argv[0] is "wait". Returns the exit status: 0 every instance runs, 1 some ended in error,
 * 2 usage, 3 some still pending, 65 a corrupt ledger, 66 none, 74 it cannot be written, 75
 * a run holds it. */
int cmd_wait(int argc, char **argv);

#endif
