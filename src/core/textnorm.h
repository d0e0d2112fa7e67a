/* textnorm.h — the search key of a Japanese or Latin string, so that a name
 * typed in hiragana, katakana, half-width kana, full-width Latin or with an old
 * kanji form finds the record: spaces and middle dots removed, full-width ASCII
 * to ASCII, ASCII lower-cased, half-width kana to full-width with (han)dakuten
 * composed, hiragana to katakana, small kana to large (legacy systems wrote
 * キヨウコ for キョウコ), common name-kanji variants (髙→高, 﨑→崎, 邊→辺 ...)
 * to their usual form. Pure; thread-safe. */
#ifndef RENKEI_CORE_TEXTNORM_H
#define RENKEI_CORE_TEXTNORM_H

#include "core/buf.h"
#include "core/str.h"

/* Append the search key of in to out. RK_INVALID when in is not valid UTF-8,
 * RK_TOO_LARGE when out's ceiling is reached. */
enum rk_status textnorm_search_key(struct str in, struct buf *out);

/* The code point after cp in lexical (UTF-8 byte) order, appended as UTF-8:
 * used to turn a prefix p into the range [p, p') of keys that start with p.
 * Returns RK_INVALID when in is empty or ends in U+10FFFF. */
enum rk_status textnorm_prefix_upper(struct str prefix, struct buf *out);

#endif
