/* kit.c — a facility's offline kits (see kit.h). */
#include "emergency/kit.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "access/enforce.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/time.h"
#include "emergency/sheet.h"
#include "emergency/summary_ips.h"
#include "emergency/summary_pdf.h"

struct each {
	struct store *store;
	const char *facility;
	int64_t now;
	kit_summary_fn fn;
	void *arg;
	size_t seen;
	struct principal who;
};

static enum rk_status each_one(void *varg, struct str patient_id)
{
	struct each *e = varg;
	e->seen++;
	struct arena a;
	arena_init(&a, RK_MAX_REQUEST_MEM);
	struct access_ctx ax;
	access_ctx_init(&ax, e->store, &a, &e->who, e->now);
	struct query_ctx q = {.store = e->store, .access = &ax, .arena = &a};
	struct summary s;
	struct rk_err err;
	rk_err_clear(&err);
	enum rk_status st = summary_gather(&q, patient_id, e->now, &s, &err);
	if (st == RK_OK) {
		if (!s.refused)
			st = e->fn(e->arg, &s);
		summary_free(&s);
	} else if (st == RK_NOT_FOUND)
		st = RK_OK; /* deleted, or not the facility's to see */
	arena_reset(&a);
	return st;
}

enum rk_status kit_each_summary(struct store *s, const char *facility, int64_t now, kit_summary_fn fn, void *arg,
				size_t *n_seen, struct rk_err *err)
{
	struct each e = {.store = s, .facility = facility, .now = now, .fn = fn, .arg = arg};
	e.who.kind = PRINCIPAL_SYSTEM;
	e.who.role = ROLE_SYSTEM;
	snprintf(e.who.account, sizeof e.who.account, "kit:%s", facility);
	snprintf(e.who.facility, sizeof e.who.facility, "%s", facility);
	enum rk_status st = RK_OK;
	char after[128] = "";
	size_t listed = SHEET_BATCH_MAX;
	while (st == RK_OK && listed == SHEET_BATCH_MAX && e.seen < KIT_MAX_PATIENTS)
		st = sheet_facility_patients(s, str_c(facility), after, 0, SHEET_BATCH_MAX, each_one, &e, &listed, err);
	if (n_seen)
		*n_seen = e.seen;
	return st;
}

static void put(json_t *o, const char *k, const char *v)
{
	if (v && v[0])
		json_object_set_new(o, k, json_string(v));
}

json_t *kit_summary_json(const struct summary *s)
{
	const char *name, *kana, *birth, *sex;
	summary_patient_text(s, &name, &kana, &birth, &sex);
	json_t *pt = json_object();
	put(pt, "name", name);
	put(pt, "kana", kana);
	put(pt, "birthDate", birth);
	put(pt, "sex", sex);
	put(pt, "regional", s->regional);
	put(pt, "id", s->patient_id);
	json_t *sections = json_array();
	for (int sec = 0; sec < SUMMARY_SECTION_COUNT_; sec++) {
		const struct summary_section_info *info = summary_section_info((enum summary_section)sec);
		json_t *lines = json_array();
		for (size_t i = 0; i < s->n_items; i++) {
			const struct summary_item *it = &s->items[i];
			if (it->section != (enum summary_section)sec)
				continue;
			char date[RK_TIME_RFC3339_LEN];
			summary_date_text(it->date, date);
			json_t *l = json_object();
			put(l, "text", it->text);
			put(l, "detail", it->detail);
			put(l, "flag", summary_flag_text(it->flags));
			put(l, "facility", it->facility_name[0] ? it->facility_name : it->facility);
			put(l, "date", date);
			json_array_append_new(lines, l);
		}
		if (!json_array_size(lines) && !info->required) {
			json_decref(lines);
			continue;
		}
		json_array_append_new(sections, json_pack("{s:s, s:s, s:o}", "code", info->loinc, "title",
							  info->title_ja, "lines", lines));
	}
	return json_pack("{s:o, s:o}", "patient", pt, "sections", sections);
}

/* ---- the region kit's HTML ------------------------------------------------ */

static const char *const HTML_HEAD =
	"<!doctype html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>救急用サマリー 地域キット</title>\n<style>\n"
	"body{font-family:'Noto Sans CJK JP','Hiragino Sans',sans-serif;margin:0;background:#f4f6f8;color:#1d2733}"
	"header{background:#1f6f8b;color:#fff;padding:.6rem 1.2rem}main{max-width:70rem;margin:1rem auto;padding:0 1rem}"
	".card{background:#fff;border:1px solid #d9dee4;border-radius:8px;padding:1rem 1.4rem;margin-bottom:1rem}"
	"input,button{font:inherit;padding:.5rem .7rem;border:1px solid #d9dee4;border-radius:6px}"
	"button{background:#1f6f8b;color:#fff;border:0;cursor:pointer}#error{color:#b3261e;font-weight:700}"
	"ul{list-style:none;padding:0;margin:0}li{padding:.3rem 0;border-bottom:1px solid #d9dee4}"
	".hot{background:#fdecea;border-left:4px solid #b3261e;padding-left:.5rem}.src{color:#5b6773;font-size:.85rem}"
	"h2{font-size:1.05rem;color:#1f6f8b;margin:.8rem 0 .3rem}.muted{color:#5b6773}"
	"#list button{background:#fff;color:#1f6f8b;border:1px solid #1f6f8b;margin:.2rem}"
	"@media print{header,#unlock,#find{display:none}}\n</style>\n</head>\n<body>\n"
	"<header><strong>救急用サマリー 地域キット</strong> <span id=\"meta\"></span></header>\n<main>\n"
	"<section class=\"card\" id=\"unlock\"><p>このファイルは暗号化されています。別に保管されたパスフレーズを入力してください。"
	"（This file is encrypted: enter the passphrase kept apart.）</p>\n"
	"<form id=\"form\"><input type=\"password\" id=\"pass\" autocomplete=\"off\" size=\"32\" "
	"aria-label=\"パスフレーズ\"> <button type=\"submit\">開く</button></form>\n"
	"<p id=\"error\" role=\"alert\"></p></section>\n"
	"<section class=\"card\" id=\"find\" hidden><label>氏名・カナ・生年月日・地域ID で検索 "
	"<input id=\"q\" size=\"30\"></label><div id=\"list\"></div></section>\n"
	"<section class=\"card\" id=\"view\" hidden></section>\n"
	"<p class=\"muted\">この地域キットは renkei が作成しました。ネットワーク停止時の参照用です。内容は作成時点のものです。</p>\n"
	"</main>\n<script type=\"application/json\" id=\"kit\">";

static const char *const HTML_TAIL =
	"</script>\n<script>\n"
	"'use strict';\n"
	"const K = JSON.parse(document.getElementById('kit').textContent);\n"
	"const $ = (id) => document.getElementById(id);\n"
	"const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls;"
	" if (text !== undefined) e.textContent = text; return e; };\n"
	"const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));\n"
	"$('meta').textContent = `${K.facility_name}（${K.facility}） 作成 ${K.created}`;\n"
	"async function open(pass) {\n"
	"  const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(pass), 'PBKDF2', false, "
	"['deriveKey']);\n"
	"  const key = await crypto.subtle.deriveKey({ name: 'PBKDF2', salt: b64(K.salt), iterations: K.iterations, "
	"hash: 'SHA-256' }, base, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);\n"
	"  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: b64(K.iv), additionalData: new "
	"TextEncoder().encode(K.aad), tagLength: 128 }, key, b64(K.ciphertext));\n"
	"  return JSON.parse(new TextDecoder().decode(plain));\n"
	"}\n"
	"function show(p) {\n"
	"  const v = $('view'); v.replaceChildren(); v.hidden = false;\n"
	"  v.append(el('h1', '', `${p.patient.name || ''} ${p.patient.kana ? '（' + p.patient.kana + '）' : ''}`));\n"
	"  v.append(el('p', 'muted', `生年月日 ${p.patient.birthDate || ''} 性別 ${p.patient.sex || ''} 地域ID "
	"${p.patient.regional || ''}`));\n"
	"  for (const s of p.sections) {\n"
	"    v.append(el('h2', '', s.title)); const ul = el('ul');\n"
	"    if (!s.lines.length) ul.append(el('li', 'muted', '情報なし'));\n"
	"    for (const l of s.lines) {\n"
	"      const li = el('li', l.flag === 'アナフィラキシー' || l.flag === '重篤' ? 'hot' : '');\n"
	"      if (l.flag) li.append(el('strong', '', `【${l.flag}】`));\n"
	"      li.append(el('span', '', `${l.text}${l.detail ? '　' + l.detail : ''} `), el('span', 'src', `${l.facility "
	"|| ''} ${l.date || ''}`));\n"
	"      ul.append(li);\n"
	"    }\n"
	"    v.append(ul);\n"
	"  }\n"
	"}\n"
	"function list(data, q) {\n"
	"  const hits = data.patients.filter((p) => !q || [p.patient.name, p.patient.kana, p.patient.birthDate, "
	"p.patient.regional].some((x) => (x || '').replace(/\\s/g, '').includes(q.replace(/\\s/g, ''))));\n"
	"  $('list').replaceChildren(...hits.slice(0, 200).map((p) => { const b = el('button', '', "
	"`${p.patient.name || ''} ${p.patient.birthDate || ''}`); b.type = 'button'; b.onclick = () => show(p); "
	"return b; }));\n"
	"}\n"
	"$('form').addEventListener('submit', async (ev) => {\n"
	"  ev.preventDefault(); $('error').textContent = '';\n"
	"  let data;\n"
	"  try { data = await open($('pass').value); } catch (e) {\n"
	"    $('error').textContent = 'パスフレーズが違います（またはファイルが壊れています）。 Wrong passphrase (or a damaged "
	"file).'; return; }\n"
	"  $('unlock').hidden = true; $('find').hidden = false; $('pass').value = '';\n"
	"  list(data, ''); $('q').addEventListener('input', () => list(data, $('q').value));\n"
	"  document.body.dataset.ready = 'true';\n"
	"});\n"
	"</script>\n</body>\n</html>\n";

/* A JSON string that cannot end the <script> element it sits in. */
static void json_in_script(struct buf *out, const char *v)
{
	struct buf t;
	buf_init(&t, 1 << 16);
	buf_put_json_str(&t, str_c(v ? v : ""));
	for (size_t i = 0; i < t.len; i++) {
		if (t.data[i] == '<')
			buf_puts(out, "\\u003c");
		else
			buf_putc(out, t.data[i]);
	}
	buf_free(&t);
}

static void b64(struct buf *out, const unsigned char *p, size_t n)
{
	size_t len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *tmp = sodium_malloc(len);
	if (!tmp) {
		out->overflow = true;
		return;
	}
	sodium_bin2base64(tmp, len, p, n, sodium_base64_VARIANT_ORIGINAL);
	buf_puts(out, tmp);
	sodium_free(tmp);
}

enum rk_status kit_region_html(struct str plain, const char *passphrase, const char *facility,
			       const char *facility_name, int64_t now, unsigned iterations, struct buf *out,
			       struct rk_err *err)
{
	if (!passphrase || strlen(passphrase) < KIT_MIN_PASSPHRASE)
		return rk_fail(err, RK_INVALID, "the passphrase must have at least %d characters", KIT_MIN_PASSPHRASE);
	if (plain.len > (size_t)INT32_MAX)
		return rk_fail(err, RK_TOO_LARGE, "the kit's content is too large");
	if (!iterations)
		iterations = KIT_PBKDF2_ITERATIONS;
	unsigned char salt[16], iv[12], key[32], tag[16];
	randombytes_buf(salt, sizeof salt);
	randombytes_buf(iv, sizeof iv);
	if (PKCS5_PBKDF2_HMAC(passphrase, (int)strlen(passphrase), salt, sizeof salt, (int)iterations, EVP_sha256(),
			      sizeof key, key) != 1)
		return rk_fail(err, RK_INTERNAL, "the key could not be derived");
	unsigned char *ct = sodium_malloc(plain.len + sizeof tag);
	if (!ct) {
		sodium_memzero(key, sizeof key);
		return rk_fail(err, RK_TOO_LARGE, "the kit's content is too large");
	}
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;
	bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, sizeof iv, NULL) == 1 &&
		  EVP_EncryptInit_ex(c, NULL, NULL, key, iv) == 1 &&
		  EVP_EncryptUpdate(c, NULL, &n, (const unsigned char *)KIT_AAD, (int)strlen(KIT_AAD)) == 1 &&
		  EVP_EncryptUpdate(c, ct, &n, (const unsigned char *)plain.ptr, (int)plain.len) == 1 &&
		  EVP_EncryptFinal_ex(c, ct + n, &m) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, sizeof tag, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	sodium_memzero(key, sizeof key);
	if (!ok) {
		sodium_free(ct);
		return rk_fail(err, RK_INTERNAL, "the kit could not be encrypted");
	}
	memcpy(ct + n + m, tag, sizeof tag);
	char created[RK_TIME_RFC3339_LEN];
	time_format_rfc3339(now + 9LL * 3600 * 1000, created);
	created[16] = '\0';
	created[10] = ' ';
	buf_puts(out, HTML_HEAD);
	/* the cipher's parameters and who made it: no clinical data; base64
	 * and JSON-escaped text only, so "</script>" cannot occur */
	buf_printf(out, "{\"format\":\"renkei-region-kit\",\"version\":1,\"kdf\":\"PBKDF2-SHA256\",\"iterations\":%u,",
		   iterations);
	buf_puts(out, "\"cipher\":\"AES-256-GCM\",\"aad\":\"" KIT_AAD "\",\"facility\":");
	json_in_script(out, facility);
	buf_puts(out, ",\"facility_name\":");
	json_in_script(out, facility_name);
	buf_printf(out, ",\"created\":\"%s\",\"salt\":\"", created);
	b64(out, salt, sizeof salt);
	buf_puts(out, "\",\"iv\":\"");
	b64(out, iv, sizeof iv);
	buf_puts(out, "\",\"ciphertext\":\"");
	b64(out, ct, (size_t)(n + m) + sizeof tag);
	buf_puts(out, "\"}");
	buf_puts(out, HTML_TAIL);
	sodium_free(ct);
	if (out->overflow)
		return rk_fail(err, RK_TOO_LARGE, "the kit is too large");
	return RK_OK;
}
