/* hl7.h — HL7 v2.5 messages: parse (separators from MSH, segments, fields,
 * repetitions, components, sub-components), unescape, and build ACKs.
 * The parsed message holds slices into one UTF-8 text: the input itself when
 * it is UTF-8/ASCII, or one decoded copy in the arena when MSH-18 names
 * ISO-2022-JP (`~ISO IR87`, `ISO IR87`, `ISO 2022-1994`). Nothing is copied
 * per field. Bounded by core/limits.h (RK_MAX_HL7_*). Thread-safe: no globals. */
#ifndef RENKEI_HL7_HL7_H
#define RENKEI_HL7_HL7_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

struct hl7_seps {
	char field; /* MSH-1, usually '|' */
	char comp;  /* '^' */
	char rep;   /* '~' */
	char esc;   /* '\\' */
	char sub;   /* '&' */
};

enum hl7_charset { HL7_ASCII, HL7_UTF8, HL7_ISO2022JP };

struct hl7_segment {
	struct str name; /* "MSH", "PID", ... (3 characters) */
	struct str text; /* the whole segment, without its terminator */
	/* Offsets in text of its field separators, made by hl7_parse so hl7_get
	 * finds a field without rescanning (NULL in a hand-made segment). */
	const uint32_t *fsep;
	size_t nfsep;
};

struct hl7_msg {
	struct hl7_seps seps;
	enum hl7_charset charset;
	struct str text;          /* the UTF-8 message all slices point into */
	struct hl7_segment *segs; /* segs[0] is MSH */
	size_t nseg;
	/* From MSH, raw (still escaped; they never need unescaping in practice) */
	struct str msg_type;                      /* MSH-9.1 "RDE" */
	struct str event;                         /* MSH-9.2 "O11" */
	struct str structure;                     /* MSH-9.3 "RDE_O11" (may be empty) */
	struct str control_id;                    /* MSH-10 */
	struct str sending_app, sending_facility; /* MSH-3.1, MSH-4.1 */
	struct str timestamp;                     /* MSH-7 */
	struct str version;                       /* MSH-12.1 */
};

/* Parse one message. Segments end with CR; LF and CRLF are accepted too; a
 * trailing empty segment, blank lines and a trailing FS (0x1C, the MLLP end
 * block that SS-MIX2 stores often keep) are ignored; a later MSH with fields
 * (a second message) is refused, a bare "MSH" line is kept as a segment.
 * ISO-2022-JP is read as CP50221 does (JIS X 0208 + NEC row 13 such as ①,
 * ESC ( J as ASCII, ESC ( I half-width kana, ESC $ ( D JIS X 0212). The text must start with "MSH" followed by
 * five distinct separator characters (MSH-1, MSH-2). MSH-18 chooses the
 * decoding: ISO-2022-JP is converted to UTF-8 with iconv into `a` before
 * splitting (so multibyte text never collides with a separator); anything else
 * must be valid UTF-8. Fails with RK_INVALID and a specific message (no MSH,
 * bad separators, broken ISO-2022-JP escape, invalid UTF-8, bad segment name,
 * NUL byte), RK_TOO_LARGE past RK_MAX_HL7_MESSAGE / RK_MAX_HL7_SEGMENT /
 * RK_MAX_HL7_SEGMENTS. *out is written only on success; slices live as long as
 * `input` and `a`. */
enum rk_status hl7_parse(struct str input, struct arena *a, struct hl7_msg *out, struct rk_err *err);

/* The i-th segment named `name` (i from 0), or NULL. */
const struct hl7_segment *hl7_seg(const struct hl7_msg *m, const char *name, size_t i);
/* Number of segments named `name`. */
size_t hl7_seg_count(const struct hl7_msg *m, const char *name);

/* Raw (still escaped) slice of field `field` (1-based, HL7 numbering; for MSH,
 * field 1 is the field separator itself and field 2 the encoding characters),
 * repetition `rep` (0-based), component `comp` (1-based, 0 = whole
 * repetition), sub-component `sub` (1-based, 0 = whole component). An absent
 * part is the empty slice (ptr may be NULL). Never fails. */
struct str hl7_get(const struct hl7_msg *m, const struct hl7_segment *s, int field, int rep, int comp, int sub);
/* Number of repetitions of a field (0 when the field is empty or absent). */
int hl7_reps(const struct hl7_msg *m, const struct hl7_segment *s, int field);

/* Unescape a raw slice (\F\ \S\ \T\ \R\ \E\, \Xhh..\ as bytes that must form
 * UTF-8, \.br\ as a line feed; other highlight escapes are dropped). Returns
 * the slice itself when it holds no escape character (no copy), else an arena
 * copy. RK_INVALID for an unterminated or malformed escape, RK_TOO_LARGE past
 * the arena. */
enum rk_status hl7_unescape(const struct hl7_msg *m, struct str raw, struct arena *a, struct str *out,
			    struct rk_err *err);

/* Convenience: hl7_get + hl7_unescape; on a malformed escape returns the raw slice. */
struct str hl7_text(const struct hl7_msg *m, const struct hl7_segment *s, int field, int rep, int comp, int sub,
		    struct arena *a);

enum hl7_ack_code { HL7_AA, HL7_AE, HL7_AR };

/* Append to `out` an ACK for message `m` (UTF-8, CR-separated): MSH with the
 * sender/receiver swapped, MSH-9 "ACK^<event>^ACK", a new control id
 * `control_id`, `now` as MSH-7 (YYYYMMDDHHMMSS), MSH-18 "UNICODE UTF-8" when
 * m was not ASCII; MSA with the code and m's MSH-10; for AE/AR an ERR segment
 * whose text is `reason` (escaped). m may be NULL when the input could not be
 * parsed at all (then MSA-2 is empty and default separators are used).
 * RK_TOO_LARGE when out's bound is reached. */
enum rk_status hl7_ack(const struct hl7_msg *m, enum hl7_ack_code code, const char *reason, const char *control_id,
		       const char *now, struct buf *out, struct rk_err *err);

/* Append the escaped form of UTF-8 text (| ^ ~ \ & and CR/LF escaped) for use
 * inside a field. Used by the ACK builder and the SS-MIX2 generator. */
enum rk_status hl7_escape(const struct hl7_seps *seps, struct str text, struct buf *out, struct rk_err *err);

/* Convert UTF-8 to ISO-2022-JP (JIS X 0208 via iconv), appended to out; for the
 * generator. RK_INVALID when a character has no JIS X 0208 form (half-width
 * kana, JIS X 0212, ¥ — use ￥), or the text is not UTF-8. NEC row 13 (① ㎎)
 * is written as CP50221 does. Both 〜 U+301C and ～ U+FF5E become 0x2141,
 * which hl7_parse reads back as ～ U+FF5E (the Windows mapping). */
enum rk_status hl7_to_iso2022jp(struct str utf8, struct buf *out, struct rk_err *err);

#endif
