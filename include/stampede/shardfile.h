/* shardfile.h: the file `stampede run --shard I/N` writes (shard.h) and
 * `stampede merge` reads (merge.h).
 *
 * A shard file is HDF5: root attrs format = "stampede-shard",
 * format_version, engine_version, backend, device, config_json (resolved),
 * config_path, seed, shard, shards, wall_s, agent_steps; files/<name>: the
 * bytes of each checkpoint file (manifests and batches, each with its own
 * checksum, checkpoint.h). */
#ifndef STAMPEDE_SHARDFILE_H
#define STAMPEDE_SHARDFILE_H

#include "stampede/config.h"
#include "stampede/error.h"

#define STP_SHARD_FORMAT         "stampede-shard"
#define STP_SHARD_FORMAT_VERSION 1

typedef struct stp_shard_info {
    int shard, shards;
    const char *backend, *device;
    double wall_s, agent_steps;
} stp_shard_info;

/* Writes the files of checkpoint directory ckpt_dir into the shard file
 * out_path (via a temporary name, renamed on success). */
stp_status stp_shard_pack(const char *out_path, const char *ckpt_dir, const stp_config *cfg,
                          const stp_shard_info *info, stp_error *err);

/* A shard file's root attributes. */
typedef struct stp_shard_head {
    const char *path; /* borrowed */
    char engine[64], backend[64], device[256], config_path[STP_PATH_MAX];
    char *config; /* resolved config JSON, owned: stp_shard_head_free */
    unsigned long long seed;
    int shard, shards;
    double wall_s, agent_steps;
} stp_shard_head;

/* Verifies the shard file at path (sealed, every checksum, h5_seal.h) and
 * reads its head into *s (s->path = path). STP_EIO, with err naming the
 * file, for what is no readable shard, STP_ENOMEM; *s then needs
 * stp_shard_head_free all the same. */
stp_status stp_shard_head_read(stp_shard_head *s, const char *path, stp_error *err);
void stp_shard_head_free(stp_shard_head *s);

/* Writes the checkpoint files shard s carries into dir. A manifest already
 * there (from another shard) must be byte-identical, the run's
 * fingerprint; a batch already there means the shards overlap: either is
 * STP_EUSAGE naming the fix. STP_EIO on a read or write error. */
stp_status stp_shard_unpack(const char *dir, const stp_shard_head *s, stp_error *err);

#endif
