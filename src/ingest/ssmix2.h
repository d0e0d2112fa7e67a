/* ssmix2.h — SS-MIX2 標準化ストレージ import: walk
 * <root>/<PID[0:3]>/<PID[3:6]>/<PID>/<date|->/<data type>/<file>, check each
 * file's 7 name fields against its folders, refuse paths that leave the root,
 * and feed the files through the ingest pipeline in batches. Incremental: a
 * file already stored with the same content is skipped. */
#ifndef RENKEI_INGEST_SSMIX2_H
#define RENKEI_INGEST_SSMIX2_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/err.h"
#include "core/str.h"
#include "store/store.h"

/* The 7 fields of an SS-MIX2 file name:
 * <PID>_<診療日 YYYYMMDD|->_<データ種別>_<オーダNO|->_<YYYYMMDDHHMMSSfff>_<診療科|->_<コンディションフラグ 0|1|2> */
struct ssmix2_name {
	struct str patient_id, date, data_type, order_no, timestamp, department;
	char condition;
};

/* Parse a file name (slices into name). RK_INVALID with the field at fault. */
enum rk_status ssmix2_parse_name(struct str name, struct ssmix2_name *out, struct rk_err *err);

struct ssmix2_stats {
	int64_t files; /* files found */
	int64_t done;  /* files handled so far */
	int64_t stored, deleted, unchanged, superseded, quarantined;
	int64_t warned;    /* stored with mapping warnings (`renkei ingest warnings`) */
	int64_t resources; /* resources written or deleted */
	int64_t bytes;     /* bytes of the files read */
	int64_t started_ms, elapsed_ms;
};

/* Called after each batch (and once after walking, with done = 0). */
typedef void (*ssmix2_progress_fn)(void *arg, const struct ssmix2_stats *st);

/* Import the storage at root for facility (a participating facility's code).
 * RK_OK when the walk finished (quarantined files are counted, not failures);
 * RK_INVALID when root is not a directory or the facility is unknown; a store
 * failure stops the import after the last committed batch (run it again: it
 * resumes). */
struct audit_log;
/* audit (may be NULL: no entries, for the demo's own import) gets one entry
 * per file, its account being actor ("ssmix2-import:<OS user>"). */
enum rk_status ssmix2_import(struct store *s, const struct config *cfg, const char *root, struct str facility,
			     struct audit_log *audit, const char *actor, ssmix2_progress_fn progress, void *arg,
			     struct ssmix2_stats *stats, struct rk_err *err);

#endif
