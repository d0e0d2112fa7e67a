/* kit.h — the offline kits of a facility, for when the network is down:
 *   - its 救急医療情報シート as one PDF (renkei kit sheets), and
 *   - the region kit (renkei kit region): one self-contained HTML file
 *     holding the emergency summaries of the facility's patients, encrypted
 *     with a passphrase kept apart, that opens in any browser without renkei.
 * The summaries are read as the facility itself reads them (a principal of
 * the facility, role system: its own records and what consents open to it;
 * never an emergency grant), through the same query engine as the API.
 *
 * The region kit's cipher: PBKDF2-HMAC-SHA256 (KIT_PBKDF2_ITERATIONS, a
 * random 16-byte salt) derives a 256-bit key; AES-256-GCM (random 12-byte
 * IV, 128-bit tag appended to the ciphertext, additional data KIT_AAD)
 * encrypts the JSON of the summaries. Both are the browser's WebCrypto
 * algorithms, with which the file's own script decrypts. The file carries in
 * clear only the facility's code and name, the time it was made and the
 * cipher's parameters. */
#ifndef RENKEI_EMERGENCY_KIT_H
#define RENKEI_EMERGENCY_KIT_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "emergency/summary.h"
#include "store/store.h"

#define KIT_PBKDF2_ITERATIONS 600000u
#define KIT_AAD               "renkei-region-kit-v1"
#define KIT_MIN_PASSPHRASE    12 /* characters (bytes of UTF-8) */
#define KIT_MAX_PATIENTS      20000

/* One patient's summary, gathered (not refused; the facility may see the
 * patient); s and its arena live until the callback returns. */
typedef enum rk_status (*kit_summary_fn)(void *arg, const struct summary *s);

/* The summaries of every registration of facility (by local ID), as the
 * facility reads them at now, each into fn; *n_seen the registrations
 * looked at. */
enum rk_status kit_each_summary(struct store *s, const char *facility, int64_t now, kit_summary_fn fn, void *arg,
				size_t *n_seen, struct rk_err *err);

/* The summary as the kit's plain data: {patient: {name, kana, birthDate,
 * sex, regional}, sections: [{code, title, lines: [{text, detail, flag,
 * facility, date}]}]} (new reference). */
json_t *kit_summary_json(const struct summary *s);

/* The region kit: the HTML file, the JSON text plain encrypted under
 * passphrase (at least KIT_MIN_PASSPHRASE bytes: RK_INVALID otherwise),
 * into out. iterations 0: KIT_PBKDF2_ITERATIONS. */
enum rk_status kit_region_html(struct str plain, const char *passphrase, const char *facility,
			       const char *facility_name, int64_t now, unsigned iterations, struct buf *out,
			       struct rk_err *err);

#endif
