/* checkpoint.h: finished batches of a run, kept beside the output so a
 * killed or interrupted run loses nothing (DESIGN §6). One directory
 * "<out>.ckpt/" holds a manifest naming the run (fingerprint of the resolved
 * config, paths, batch size) and one file per finished batch: its paths'
 * outcomes and sample rows (every venue's, DESIGN §10), with a checksum. Every file is written under a
 * temporary name, flushed and renamed, so a file either exists whole or not
 * at all; a file whose checksum fails is ignored and its batch recomputed. */
#ifndef STAMPEDE_CHECKPOINT_H
#define STAMPEDE_CHECKPOINT_H

#include "stampede/error.h"
#include "stampede/outcomes.h"
#include "stampede/results.h"

typedef struct stp_checkpoint {
    char dir[1100];
    int variant; /* experiment point: its files are "vNNN-..." past point 0 */
    unsigned long long fingerprint;
    long long paths;
    int batch, populations, n_steps, sample_k; /* batches.h's layout */
    /* outcome columns of a path in every batch file: stp_outcomes.n_cols
     * (stp_outcome_columns of the run's venues), at least STP_N_OUTCOMES */
    int n_cols;
} stp_checkpoint;

/* 64-bit FNV-1a of n bytes, continuing from h (start with STP_FNV_OFFSET). */
#define STP_FNV_OFFSET 1469598103934665603ull
unsigned long long stp_fnv1a(unsigned long long h, const void *data, size_t n);

/* The checkpoint directory of `out_path` ("<out_path>.ckpt") into buf;
 * nonzero when it does not fit. */
int stp_checkpoint_dir(char *buf, size_t n, const char *out_path);

/* Opens the checkpoint of point `variant` of the experiment written to
 * `out_path`, for a run described by the other arguments. Point 0 owns the
 * directory: one left by an earlier run is an error (STP_EUSAGE, naming
 * --resume and --force) unless `resume` (then its manifest must describe
 * the same run) or `force` (then it is removed); it is created when absent.
 * A later point (variant > 0, opened after point 0) keeps its own manifest
 * and batch files in the same directory, checked the same way on resume.
 * n_cols: the outcome columns each batch holds (0 or STP_N_OUTCOMES: the
 * system's only); a batch file with another count is recomputed. */
stp_status stp_checkpoint_open(stp_checkpoint *ck, const char *out_path, int variant,
                               unsigned long long fingerprint, long long paths, int batch,
                               int populations, int n_steps, int sample_k, int n_cols, int resume,
                               int force, stp_error *err);

/* Writes batch `index` (paths [path0, path0 + n)) from `out` (rows from
 * out->base; its columns [0, ck->n_cols)) and the run's sample rows: with
 * samples->n_venues > 1 each venue's (outcomes.h's layout), venue by
 * venue; else one row a path, as files before venues had. */
stp_status stp_checkpoint_save(const stp_checkpoint *ck, int index, long long path0, long long n,
                               const stp_outcomes *out, const stp_samples *samples, stp_error *err);

/* Loads batch `index` into `out` (rows from out->base) and the sample rows
 * when its file exists and its checksum and header match; returns 1 if
 * loaded, 0 if it must be run. */
int stp_checkpoint_load(const stp_checkpoint *ck, int index, long long path0, long long n,
                        stp_outcomes *out, stp_samples *samples);

/* stp_path_source.outcome_column over the finished batches (user: the
 * stp_checkpoint): dst[0, paths) = outcome `metric` of every path, read
 * back from the batch files the run saved and verified. Any column of the
 * record, metric < ck->n_cols (outcomes.h's stp_system_column and
 * stp_venue_column past STP_N_OUTCOMES); another is STP_EIO. */
stp_status stp_checkpoint_column(const void *user, int metric, double *dst, stp_error *err);

/* Removes the directory after the results file is in place. */
void stp_checkpoint_remove(const stp_checkpoint *ck);

/* Removes checkpoint directory `dir` and its files (a merge's own, or one
 * with no batch worth keeping). */
void stp_checkpoint_remove_dir(const char *dir);

#endif
