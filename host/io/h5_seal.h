/* h5_seal.h: the checksums of a results (or shard) file beyond HDF5's
 * Fletcher-32 (DESIGN §6): every object's attributes and data, hashed in a
 * canonical order, sealed into the file by its writer and verified by every
 * reader, so a damaged file is reported, never read as valid.
 *
 * Each group and dataset carries an attribute STP_SEAL_ATTR, the 64-bit
 * FNV-1a of its own name, attributes (name, type, bytes) and, for a
 * dataset, type, shape and every element; the root's also covers every
 * object's name and seal, in HDF5's name order, so a lost or renamed object
 * breaks it. Bytes are hashed as the file stores them (the file's types),
 * so the seal does not depend on the reading machine. */
#ifndef STAMPEDE_H5_SEAL_H
#define STAMPEDE_H5_SEAL_H

#include "h5util.h"

#define STP_SEAL_ATTR "stp_checksum"

/* Computes and writes every object's seal into `file` (open read-write,
 * fully written): the writer's last step before closing. */
int stp_h5_seal(hid_t file, stp_error *err);

/* Recomputes every seal of `file` (open read-only) and compares. 0 when all
 * match; -1 with STP_EIO naming the first object whose content does not
 * match ("the file is damaged") or that HDF5 cannot read. *sealed is 0 for
 * a file written before seals (no root seal: nothing is checked). */
int stp_h5_check_seal(hid_t file, int *sealed, stp_error *err);

/* What a reader checks first in the opened file (its format attributes);
 * 0 or -1 with err set. */
typedef int (*stp_h5_check_fn)(hid_t file, void *user, stp_error *err);

/* 0 when `path` is a regular file (or a link to one); else -1 with STP_EIO
 * and one line, "cannot open: <reason>" or "not a regular file (a FIFO);
 * pass a results file" (a directory, a device, a socket). Looks with stat
 * alone, which never waits: opening a FIFO waits for a writer. */
int stp_h5_regular_file(const char *path, stp_error *err);

/* Verifies the file at `path` before its reader trusts a byte of it. First
 * refuses anything but a regular file (stp_h5_regular_file), before any
 * open. Then, in a child process (HDF5 can crash or hang on a damaged file;
 * the child's death is then the answer, never the reader's), opens it,
 * runs `check`, then stp_h5_check_seal, under a time limit of 60 s plus 1 s
 * per 10 MB (STAMPEDE_VERIFY_TIMEOUT_S overrides it), after which the
 * parent kills the child. The child's stderr is /dev/null (glibc's and
 * HDF5's own words on a crash would be lines beside ours), and it tells the
 * parent each object or attribute before reading it, so that a crash or a
 * hang names that place. 0 when the file is sound (*sealed as
 * stp_h5_check_seal says); -1 with STP_EIO and one line: the child's error,
 * or "HDF5 crashed (signal 6) reading /variants/x/outcomes/y: the file is
 * damaged (...)", or "HDF5 did not finish reading ... in 60 s: ...".
 * Callers open the file themselves only after this returns 0: an open
 * before it would be outside the time limit. */
int stp_h5_verify(const char *path, stp_h5_check_fn check, void *user, int *sealed,
                  stp_error *err);

#endif
