/* test_collab_attach.c — a post's attachments (collab/attach.h): a photo's
 * EXIF (with the place it was taken), XMP and comments are removed and the
 * picture kept; a PNG's text chunks too; thumbnails are JPEGs no larger than
 * ATTACH_THUMB_PX; a decompression bomb, HEIC, a truncated PDF, a video that
 * records its place or runs too long, and a type that says something else
 * than the bytes are refused with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "collab/attach.h"

static unsigned char *make_jpeg(int w, int h, size_t *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	unsigned char *mem = NULL;
	unsigned long size = 0;
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &size);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_start_compress(&c, TRUE);
	unsigned char *row = malloc((size_t)w * 3);
	while (c.next_scanline < c.image_height) {
		for (int x = 0; x < w; x++) {
			row[x * 3] = (unsigned char)(x * 255 / w);
			row[x * 3 + 1] = (unsigned char)(c.next_scanline * 255 / (unsigned)h);
			row[x * 3 + 2] = 128;
		}
		JSAMPROW r = row;
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	*len = size;
	return mem;
}

/* Insert a segment (marker m, payload p) right after SOI. */
static unsigned char *with_segment(const unsigned char *jpeg, size_t n, unsigned char m, const char *p, size_t pn,
				   size_t *out_len)
{
	unsigned char *o = malloc(n + pn + 4);
	memcpy(o, jpeg, 2);
	o[2] = 0xFF;
	o[3] = m;
	o[4] = (unsigned char)((pn + 2) >> 8);
	o[5] = (unsigned char)(pn + 2);
	memcpy(o + 6, p, pn);
	memcpy(o + 6 + pn, jpeg + 2, n - 2);
	*out_len = n + pn + 4;
	return o;
}

static bool has(const unsigned char *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return true;
	return false;
}

static void test_jpeg_metadata_removed(void **state)
{
	(void)state;
	size_t n, n1, n2;
	unsigned char *j = make_jpeg(1200, 900, &n);
	static const char exif[] = "Exif\0\0GPSLatitude 35.6812 N GPSLongitude 139.7671 E";
	unsigned char *a = with_segment(j, n, 0xE1, exif, sizeof exif - 1, &n1);
	unsigned char *b = with_segment(a, n1, 0xFE, "taken at home of patient", 24, &n2);
	struct attach_result r;
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/jpeg", b, n2, &r, &err), RK_OK);
	assert_string_equal(r.content_type, "image/jpeg");
	assert_false(has(r.data, r.len, "GPSLatitude"));
	assert_false(has(r.data, r.len, "taken at home"));
	assert_true(has(r.data, r.len, "JFIF")); /* APP0 kept */
	assert_int_equal(r.len, n);              /* exactly the picture as encoded */
	assert_memory_equal(r.data, j, n);
	assert_int_equal(r.width, 1200);
	assert_int_equal(r.height, 900);
	/* the thumbnail: a JPEG of at most ATTACH_THUMB_PX on its longer side */
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr e;
	d.err = jpeg_std_error(&e);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, r.thumb, (unsigned long)r.thumb_len);
	jpeg_read_header(&d, TRUE);
	assert_int_equal(d.image_width, ATTACH_THUMB_PX);
	assert_int_equal(d.image_height, ATTACH_THUMB_PX * 900 / 1200);
	jpeg_destroy_decompress(&d);
	attach_result_free(&r);
	/* a polyglot: another file after the picture's end is not kept */
	static const char zip[] = "PK\003\004 a zip archive riding on the photo <script>alert(1)</script>";
	unsigned char *poly = malloc(n + sizeof zip);
	memcpy(poly, j, n);
	memcpy(poly + n, zip, sizeof zip);
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/jpeg", poly, n + sizeof zip, &r, &err), RK_OK);
	assert_int_equal(r.len, n);
	assert_false(has(r.data, r.len, "<script>"));
	attach_result_free(&r);
	free(poly);
	/* HTML named .jpg */
	static const char html[] = "<html><body><script>alert(1)</script></body></html>";
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/jpeg", (const unsigned char *)html, sizeof html - 1, &r, &err),
			 RK_INVALID);
	assert_non_null(strstr(err.msg, "JPEG"));
	/* a bomb: the header says 20000×20000 */
	unsigned char *bomb = malloc(n);
	memcpy(bomb, j, n);
	for (size_t i = 2; i + 9 < n; i++)
		if (bomb[i] == 0xFF && bomb[i + 1] == 0xC0) { /* SOF0: length, precision, height, width */
			bomb[i + 5] = 0x4E, bomb[i + 6] = 0x20, bomb[i + 7] = 0x4E, bomb[i + 8] = 0x20;
			break;
		}
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/jpeg", bomb, n, &r, &err), RK_TOO_LARGE);
	assert_non_null(strstr(err.msg, "20000×20000"));
	/* truncated, or declared as something it is not */
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/jpeg", j, 40, &r, &err), RK_INVALID);
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/png", j, n, &r, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "PNG"));
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/svg+xml", j, n, &r, &err), RK_UNSUPPORTED_TYPE);
	assert_non_null(strstr(err.msg, "image/svg+xml"));
	free(bomb);
	free(a);
	free(b);
	free(j);
}

/* A phone held upright: EXIF (little-endian) with Orientation 6 and the
 * place it was taken. Only the Orientation is kept; the thumbnail is drawn
 * upright; the size is reported as seen. */
static void test_jpeg_orientation_kept(void **state)
{
	(void)state;
	size_t n, n1;
	unsigned char *j = make_jpeg(1200, 900, &n);
	/* "Exif\0\0", TIFF II*, IFD0 at 8 with 2 entries: Orientation = 6, GPS IFD pointer; then the GPS text */
	static const unsigned char exif[] = {
		'E', 'x', 'i', 'f', 0,   0,   'I', 'I', 42,   0,    8,   0,   0,   0,   2,   0,   0x12, 0x01, 3, 0,
		1,   0,   0,   0,   6,   0,   0,   0,   0x25, 0x88, 4,   0,   1,   0,   0,   0,   38,   0,    0, 0,
		0,   0,   0,   0,   'G', 'P', 'S', 'L', 'a',  't',  'i', 't', 'u', 'd', 'e', ' ', '3',  '5'};
	unsigned char *a = with_segment(j, n, 0xE1, (const char *)exif, sizeof exif, &n1);
	struct attach_result r;
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/jpeg", a, n1, &r, &err), RK_OK);
	assert_false(has(r.data, r.len, "GPSLatitude"));
	assert_true(has(r.data, r.len, "Exif"));
	/* the kept segment: big-endian TIFF with Orientation 6, nothing else */
	static const unsigned char kept[] = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6};
	bool found = false;
	for (size_t i = 0; i + sizeof kept <= r.len && !found; i++)
		found = memcmp(r.data + i, kept, sizeof kept) == 0;
	assert_true(found);
	assert_int_equal(r.width, 900);
	assert_int_equal(r.height, 1200);
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr e;
	d.err = jpeg_std_error(&e);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, r.thumb, (unsigned long)r.thumb_len);
	jpeg_read_header(&d, TRUE);
	assert_int_equal(d.image_width, ATTACH_THUMB_PX * 900 / 1200); /* upright */
	assert_int_equal(d.image_height, ATTACH_THUMB_PX);
	jpeg_destroy_decompress(&d);
	attach_result_free(&r);
	/* an Orientation of 1, or an EXIF that cannot be read: no EXIF at all */
	unsigned char plain[sizeof exif];
	memcpy(plain, exif, sizeof exif);
	plain[24] = 1;
	free(a);
	a = with_segment(j, n, 0xE1, (const char *)plain, sizeof plain, &n1);
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/jpeg", a, n1, &r, &err), RK_OK);
	assert_false(has(r.data, r.len, "Exif"));
	assert_int_equal(r.width, 1200);
	attach_result_free(&r);
	plain[24] = 6;
	plain[10] = 0xF0; /* IFD0 past the segment's end */
	free(a);
	a = with_segment(j, n, 0xE1, (const char *)plain, sizeof plain, &n1);
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/jpeg", a, n1, &r, &err), RK_OK);
	assert_false(has(r.data, r.len, "Exif"));
	attach_result_free(&r);
	free(a);
	free(j);
}

static void test_png_text_removed(void **state)
{
	(void)state;
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	img.width = 64;
	img.height = 32;
	img.format = PNG_FORMAT_RGBA;
	unsigned char px[64 * 32 * 4];
	for (size_t i = 0; i < sizeof px; i++)
		px[i] = (unsigned char)(i % 4 == 3 ? 128 : i);
	png_alloc_size_t size = 0;
	assert_true(png_image_write_to_memory(&img, NULL, &size, 0, px, 0, NULL));
	unsigned char *png = malloc(size + 64);
	assert_true(png_image_write_to_memory(&img, png, &size, 0, px, 0, NULL));
	/* a tEXt chunk after IHDR (8 + 25 bytes) */
	static const char text[] = "Comment\0patient address";
	unsigned char chunk[12 + sizeof text - 1];
	uint32_t len = sizeof text - 1;
	chunk[0] = 0, chunk[1] = 0, chunk[2] = 0, chunk[3] = (unsigned char)len;
	memcpy(chunk + 4, "tEXt", 4);
	memcpy(chunk + 8, text, len);
	memset(chunk + 8 + len, 0, 4); /* a wrong CRC: the chunk is removed before libpng reads the image */
	unsigned char *with = malloc(size + sizeof chunk);
	memcpy(with, png, 33);
	memcpy(with + 33, chunk, sizeof chunk);
	memcpy(with + 33 + sizeof chunk, png + 33, size - 33);
	struct attach_result r;
	struct rk_err err;
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/png", with, size + sizeof chunk, &r, &err), RK_OK);
	assert_false(has(r.data, r.len, "patient address"));
	assert_int_equal(r.len, size);
	assert_memory_equal(r.data, png, size);
	assert_int_equal(r.width, 64);
	assert_non_null(r.thumb);
	attach_result_free(&r);
	free(with);
	free(png);
}

static void box(unsigned char *o, size_t *at, const char *type, const unsigned char *body, size_t n)
{
	uint32_t s = (uint32_t)(n + 8);
	o[*at] = (unsigned char)(s >> 24), o[*at + 1] = (unsigned char)(s >> 16), o[*at + 2] = (unsigned char)(s >> 8),
	o[*at + 3] = (unsigned char)s;
	memcpy(o + *at + 4, type, 4);
	memcpy(o + *at + 8, body, n);
	*at += n + 8;
}

/* An MP4 of secs seconds; with_place adds a QuickTime ©xyz under udta. */
static size_t make_mp4(unsigned char *o, unsigned secs, bool with_place)
{
	unsigned char mvhd[100] = {0};
	mvhd[12] = 0, mvhd[13] = 0, mvhd[14] = 0x03, mvhd[15] = 0xE8; /* time scale 1000 */
	uint32_t d = secs * 1000;
	mvhd[16] = (unsigned char)(d >> 24), mvhd[17] = (unsigned char)(d >> 16), mvhd[18] = (unsigned char)(d >> 8),
	mvhd[19] = (unsigned char)d;
	unsigned char moov[400];
	size_t m = 0;
	box(moov, &m, "mvhd", mvhd, sizeof mvhd);
	if (with_place) {
		unsigned char inner[64];
		size_t k = 0;
		box(inner, &k, "\xA9xyz", (const unsigned char *)"+35.68+139.76/", 14);
		box(moov, &m, "udta", inner, k);
	}
	size_t at = 0;
	box(o, &at, "ftyp", (const unsigned char *)"isom\0\0\2\0isomiso2", 16);
	box(o, &at, "moov", moov, m);
	box(o, &at, "mdat", (const unsigned char *)"....", 4);
	return at;
}

static void test_documents_and_videos(void **state)
{
	(void)state;
	struct attach_result r;
	struct rk_err err;
	static const char pdf[] = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
	rk_err_clear(&err);
	assert_int_equal(attach_check("application/pdf", (const unsigned char *)pdf, sizeof pdf - 1, &r, &err), RK_OK);
	assert_null(r.thumb);
	attach_result_free(&r);
	rk_err_clear(&err);
	assert_int_equal(attach_check("application/pdf", (const unsigned char *)pdf, 20, &r, &err), RK_INVALID);
	unsigned char mp4[1024];
	size_t n = make_mp4(mp4, 12, false);
	rk_err_clear(&err);
	assert_int_equal(attach_check("video/mp4", mp4, n, &r, &err), RK_OK);
	assert_string_equal(r.content_type, "video/mp4");
	attach_result_free(&r);
	n = make_mp4(mp4, 12, true);
	rk_err_clear(&err);
	assert_int_equal(attach_check("video/mp4", mp4, n, &r, &err), RK_INVALID);
	assert_non_null(strstr(err.msg, "位置情報"));
	n = make_mp4(mp4, 95, false);
	rk_err_clear(&err);
	assert_int_equal(attach_check("video/mp4", mp4, n, &r, &err), RK_TOO_LARGE);
	assert_non_null(strstr(err.msg, "95 秒"));
	/* HEIC, under any declared type */
	unsigned char heic[32];
	size_t at = 0;
	box(heic, &at, "ftyp", (const unsigned char *)"heic\0\0\0\0mif1heic", 16);
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/jpeg", heic, at, &r, &err), RK_UNSUPPORTED_TYPE);
	assert_non_null(strstr(err.msg, "HEIC"));
	rk_err_clear(&err);
	assert_int_equal(attach_check("image/jpeg", heic, 0, &r, &err), RK_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg_metadata_removed),
		cmocka_unit_test(test_jpeg_orientation_kept),
		cmocka_unit_test(test_png_text_removed),
		cmocka_unit_test(test_documents_and_videos),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
