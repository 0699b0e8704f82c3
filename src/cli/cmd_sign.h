/* cmd_sign.h - `cpsbatch sign`: show what the signer computes for one request.
 *
 *     cpsbatch sign --method M --url URL [--body-file F] [--date YYYYMMDDThhmmssZ]
 *                   [--nonce N] [--profile NAME] [--help]
 *
 * Prints one JSON object on one line of stdout:
 *     {"canonical_request":"…","string_to_sign":"…","signature":"…","authorization":"…"}
 * so a request can be compared with another signer's (the official SDKs log the same strings)
 * and the official vectors can be checked end to end (tests/e2e/sign_vectors.sh). The date
 * defaults to now (UTC) and the nonce to a fresh UUID v4; given both, the output is
 * reproducible. Content-Type is application/json. The keys come from creds_load (environment,
 * else ~/.jdc/config), never from the command line; the secret is never printed.
 */
#ifndef CPSBATCH_CMD_SIGN_H
#define CPSBATCH_CMD_SIGN_H

/* Run the subcommand. argv[0] is "sign"; argv is borrowed (getopt_long may permute it).
 * Returns the process exit status: 0 printed, 1 internal failure (out of memory, random
 * generator, writing stdout), 2 usage error (unknown option, missing --method/--url, a
 * malformed URL, date, nonce or method, an unreadable body file), 3 no usable credentials
 * (none found, a malformed ~/.jdc/config, a missing profile, only one environment variable).
 * Messages go to stderr, prefixed "cpsbatch sign: ". */
int cmd_sign(int argc, char **argv);

#endif
