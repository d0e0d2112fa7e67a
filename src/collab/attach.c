/* attach.c — the checks and cleaning of a post's attachments (see attach.h).
 * The JPEG and PNG walkers copy every segment or chunk but those that carry
 * metadata, checking each length against the bytes; decoding for the
 * thumbnail is libjpeg-turbo's and libpng's, behind a pixel bound read from
 * the header first. */
#include "collab/attach.h"

#include <stdio.h> /* before jpeglib.h, which needs FILE */
#include <strings.h>

#include <jpeglib.h>
#include <png.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool type_is(const char *declared, const char *want)
{
	size_t n = strlen(want);
	return strncasecmp(declared, want, n) == 0 && (declared[n] == '\0' || declared[n] == ';' || declared[n] == ' ');
}

/* ---- JPEG ---------------------------------------------------------------- */

/* Markers kept before the scan: JFIF (APP0), ICC profile (APP2), Adobe
 * (APP14), and every non-APP marker; APP1 (EXIF, XMP), APP13 (IPTC) and the
 * other APPn and COM are dropped — of EXIF, only the Orientation comes back,
 * in a segment of its own (put_orientation). */
static bool jpeg_keep(unsigned char m)
{
	if (m == 0xFE)
		return false;
	if (m >= 0xE0 && m <= 0xEF)
		return m == 0xE0 || m == 0xE2 || m == 0xEE;
	return true;
}

/* The Orientation (tag 0x0112, 1–8) of an APP1 Exif payload; 0 when it
 * has none or cannot be read. Bounds-checked against the segment. */
static unsigned exif_orientation(const unsigned char *p, size_t n)
{
	if (n < 6 + 8 || memcmp(p, "Exif\0\0", 6) != 0)
		return 0;
	const unsigned char *t = p + 6;
	size_t tn = n - 6;
	bool le = t[0] == 'I' && t[1] == 'I';
	if (!le && !(t[0] == 'M' && t[1] == 'M'))
		return 0;
#define U16(q) (le ? (unsigned)(q)[0] | (unsigned)(q)[1] << 8 : (unsigned)(q)[0] << 8 | (unsigned)(q)[1])
#define U32(q) \
	(le ? (uint32_t)(q)[0] | (uint32_t)(q)[1] << 8 | (uint32_t)(q)[2] << 16 | (uint32_t)(q)[3] << 24 : be32(q))
	if (U16(t + 2) != 42)
		return 0;
	uint32_t ifd = U32(t + 4);
	if (ifd > tn || tn - ifd < 2)
		return 0;
	unsigned count = U16(t + ifd);
	for (unsigned i = 0; i < count; i++) {
		size_t e = (size_t)ifd + 2 + (size_t)i * 12;
		if (e + 12 > tn)
			return 0;
		if (U16(t + e) == 0x0112 && U16(t + e + 2) == 3) {
			unsigned v = U16(t + e + 8);
			return v >= 1 && v <= 8 ? v : 0;
		}
	}
	return 0;
#undef U16
#undef U32
}

/* An APP1 Exif segment that says only the Orientation (big-endian TIFF, one
 * IFD entry): what a camera photo needs to show the right way up, and
 * nothing of where or when it was taken or with what. */
static void put_orientation(struct buf *out, unsigned o)
{
	static const unsigned char head[] = {
		0xFF, 0xE1, 0x00, 0x22, 'E',  'x',  'i',  'f',  0,
		0,    'M',  'M',  0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, /* TIFF, IFD0 at 8 */
		0x00, 0x01,                                           /* one entry */
		0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01};      /* Orientation, SHORT, 1 */
	unsigned char tail[8] = {(unsigned char)(o >> 8), (unsigned char)o, 0, 0, 0, 0, 0, 0}; /* value; no next IFD */
	buf_append(out, head, sizeof head);
	buf_append(out, tail, sizeof tail);
}

static enum rk_status jpeg_strip(const unsigned char *p, size_t n, struct buf *out, unsigned *orientation,
				 struct rk_err *err)
{
	*orientation = 0;
	if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return rk_fail(err, RK_INVALID, "写真が JPEG として読めません (the photo is not a JPEG: no SOI)");
	buf_append(out, p, 2);
	size_t i = 2;
	while (i < n) {
		if (p[i] != 0xFF)
			return rk_fail(err, RK_INVALID, "写真が壊れています (JPEG: a marker was expected at byte %zu)",
				       i);
		while (i < n && p[i] == 0xFF)
			i++;
		if (i >= n)
			break;
		unsigned char m = p[i++];
		if (m == 0xD9) { /* EOI before a scan: no image */
			break;
		}
		if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) {
			unsigned char two[2] = {0xFF, m};
			buf_append(out, two, 2);
			continue;
		}
		if (i + 2 > n)
			return rk_fail(err, RK_INVALID, "写真が途中で切れています (JPEG: truncated segment)");
		size_t len = (size_t)p[i] << 8 | p[i + 1];
		if (len < 2 || i + len > n)
			return rk_fail(err, RK_INVALID, "写真が壊れています (JPEG: a segment runs past the end)");
		if (m == 0xDA) {
			/* the scans (and the tables between a progressive JPEG's scans)
			 * as they are, up to EOI: in entropy-coded data a 0xFF byte is
			 * followed by 0x00 or a restart marker, so the first FF D9 is the
			 * end; what follows it (a polyglot's other file, a trailer) is
			 * not kept */
			const unsigned char *eoi = NULL;
			for (size_t k = i; k + 1 < n && !eoi; k++)
				if (p[k] == 0xFF && p[k + 1] == 0xD9)
					eoi = p + k;
			if (!eoi)
				return rk_fail(err, RK_INVALID, "写真が途中で切れています (JPEG: no end of image)");
			unsigned char two[2] = {0xFF, m};
			buf_append(out, two, 2);
			buf_append(out, p + i, (size_t)(eoi + 2 - (p + i)));
			return out->overflow ? rk_fail(err, RK_TOO_LARGE, "写真が大きすぎます (the photo is too large)")
					     : RK_OK;
		}
		if (jpeg_keep(m)) {
			unsigned char two[2] = {0xFF, m};
			buf_append(out, two, 2);
			buf_append(out, p + i, len);
		} else if (m == 0xE1 && !*orientation) {
			/* EXIF: of it all, only a turned camera's Orientation is kept */
			unsigned o = exif_orientation(p + i + 2, len - 2);
			if (o > 1) {
				*orientation = o;
				put_orientation(out, o);
			}
		}
		i += len;
	}
	return rk_fail(err, RK_INVALID, "写真に画像データがありません (JPEG: no scan)");
}

struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
};

static void jerr_exit(j_common_ptr c)
{
	longjmp(((struct jerr *)c->err)->jump, 1);
}

static void jerr_quiet(j_common_ptr c, int level)
{
	(void)c, (void)level;
}

/* Box-filter an RGB image (w×h) down to fit ATTACH_THUMB_PX; *tw×*th. */
static unsigned char *shrink(const unsigned char *rgb, int w, int h, int *tw, int *th)
{
	int big = w > h ? w : h;
	if (big <= ATTACH_THUMB_PX) {
		*tw = w, *th = h;
	} else {
		*tw = (int)((int64_t)w * ATTACH_THUMB_PX / big);
		*th = (int)((int64_t)h * ATTACH_THUMB_PX / big);
	}
	if (*tw < 1)
		*tw = 1;
	if (*th < 1)
		*th = 1;
	unsigned char *o = malloc((size_t)*tw * (size_t)*th * 3);
	if (!o)
		return NULL;
	for (int y = 0; y < *th; y++) {
		int y0 = (int)((int64_t)y * h / *th), y1 = (int)((int64_t)(y + 1) * h / *th);
		if (y1 <= y0)
			y1 = y0 + 1;
		for (int x = 0; x < *tw; x++) {
			int x0 = (int)((int64_t)x * w / *tw), x1 = (int)((int64_t)(x + 1) * w / *tw);
			if (x1 <= x0)
				x1 = x0 + 1;
			unsigned s[3] = {0, 0, 0}, k = 0;
			for (int yy = y0; yy < y1; yy++)
				for (int xx = x0; xx < x1; xx++, k++)
					for (int c = 0; c < 3; c++)
						s[c] += rgb[((size_t)yy * (size_t)w + (size_t)xx) * 3 + (size_t)c];
			for (int c = 0; c < 3; c++)
				o[((size_t)y * (size_t)*tw + (size_t)x) * 3 + (size_t)c] = (unsigned char)(s[c] / k);
		}
	}
	return o;
}

/* JPEG-encode an RGB image; false when it cannot. */
static bool encode_jpeg(const unsigned char *rgb, int w, int h, unsigned char **out, size_t *len)
{
	struct jpeg_compress_struct c;
	struct jerr je;
	unsigned char *mem = NULL;
	unsigned long size = 0;
	c.err = jpeg_std_error(&je.pub);
	je.pub.error_exit = jerr_exit;
	je.pub.emit_message = jerr_quiet;
	if (setjmp(je.jump)) {
		jpeg_destroy_compress(&c);
		free(mem);
		return false;
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &size);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 75, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = (JSAMPROW)(rgb + (size_t)c.next_scanline * (size_t)w * 3);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	*out = mem;
	*len = size;
	return true;
}

/* Decode a JPEG (scaled down by libjpeg as far as the thumbnail allows) into
 * RGB; *w, *h the full size. */
/* rgb (w×h) turned the way EXIF Orientation o (2–8) says the picture is
 * seen; *ow, *oh its size then. A new buffer (NULL when o says nothing). */
static unsigned char *orient(const unsigned char *rgb, int w, int h, unsigned o, int *ow, int *oh)
{
	if (o < 2 || o > 8)
		return NULL;
	bool swap = o >= 5;
	*ow = swap ? h : w;
	*oh = swap ? w : h;
	unsigned char *out = malloc((size_t)w * (size_t)h * 3);
	if (!out)
		rk_oom();
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int dx, dy;
			switch (o) {
			case 2: dx = w - 1 - x, dy = y; break;
			case 3: dx = w - 1 - x, dy = h - 1 - y; break;
			case 4: dx = x, dy = h - 1 - y; break;
			case 5: dx = y, dy = x; break;
			case 6: dx = h - 1 - y, dy = x; break;
			case 7: dx = h - 1 - y, dy = w - 1 - x; break;
			default: dx = y, dy = w - 1 - x; break; /* 8 */
			}
			memcpy(out + ((size_t)dy * (size_t)*ow + (size_t)dx) * 3,
			       rgb + ((size_t)y * (size_t)w + (size_t)x) * 3, 3);
		}
	return out;
}

static enum rk_status jpeg_thumb(const unsigned char *p, size_t n, unsigned orientation, struct attach_result *r,
				 struct rk_err *err)
{
	struct jpeg_decompress_struct d;
	struct jerr je;
	unsigned char *volatile rgb = NULL;
	d.err = jpeg_std_error(&je.pub);
	je.pub.error_exit = jerr_exit;
	je.pub.emit_message = jerr_quiet;
	if (setjmp(je.jump)) {
		jpeg_destroy_decompress(&d);
		free(rgb);
		return rk_fail(err, RK_INVALID, "写真を読み取れません (the JPEG does not decode)");
	}
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, p, (unsigned long)n);
	jpeg_read_header(&d, TRUE);
	r->width = (int)d.image_width;
	r->height = (int)d.image_height;
	if ((uint64_t)d.image_width * d.image_height > ATTACH_MAX_PIXELS) {
		jpeg_destroy_decompress(&d);
		return rk_fail(err, RK_TOO_LARGE, "写真の画素数が多すぎます (%u×%u; at most %u pixels)", d.image_width,
			       d.image_height, ATTACH_MAX_PIXELS);
	}
	if (d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK) {
		jpeg_destroy_decompress(&d); /* print-shop CMYK: kept, without a thumbnail */
		return RK_OK;
	}
	d.out_color_space = JCS_RGB;
	d.scale_num = 1;
	d.scale_denom = 1;
	unsigned big = d.image_width > d.image_height ? d.image_width : d.image_height;
	while (d.scale_denom < 8 && big / (d.scale_denom * 2) >= ATTACH_THUMB_PX)
		d.scale_denom *= 2;
	jpeg_start_decompress(&d);
	int w = (int)d.output_width, h = (int)d.output_height;
	rgb = malloc((size_t)w * (size_t)h * 3);
	if (!rgb)
		rk_oom();
	while (d.output_scanline < d.output_height) {
		JSAMPROW row = (JSAMPROW)(rgb + (size_t)d.output_scanline * (size_t)w * 3);
		jpeg_read_scanlines(&d, &row, 1);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	int tw, th;
	unsigned char *small = shrink(rgb, w, h, &tw, &th);
	free(rgb);
	int ow, oh;
	unsigned char *turned = small ? orient(small, tw, th, orientation, &ow, &oh) : NULL;
	if (turned) { /* the thumbnail carries no EXIF: it is drawn the way the photo is seen */
		free(small);
		small = turned;
		tw = ow;
		th = oh;
		if (orientation >= 5) {
			int t = r->width;
			r->width = r->height;
			r->height = t;
		}
	}
	if (!small || !encode_jpeg(small, tw, th, &r->thumb, &r->thumb_len)) {
		free(small);
		return rk_fail(err, RK_INTERNAL, "サムネイルを作れませんでした (no thumbnail)");
	}
	free(small);
	return RK_OK;
}

/* ---- PNG ----------------------------------------------------------------- */

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

static bool png_drop(const unsigned char *type)
{
	static const char *const meta[] = {"tEXt", "zTXt", "iTXt", "eXIf", "tIME"};
	for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
		if (memcmp(type, meta[i], 4) == 0)
			return true;
	return false;
}

static enum rk_status png_strip(const unsigned char *p, size_t n, struct buf *out, struct rk_err *err)
{
	if (n < 8 || memcmp(p, png_sig, 8) != 0)
		return rk_fail(err, RK_INVALID, "画像が PNG として読めません (not a PNG: no signature)");
	buf_append(out, p, 8);
	size_t i = 8;
	while (i + 12 <= n) {
		uint32_t len = be32(p + i);
		if (len > n - i - 12)
			return rk_fail(err, RK_INVALID, "画像が壊れています (PNG: a chunk runs past the end)");
		const unsigned char *type = p + i + 4;
		if (!png_drop(type))
			buf_append(out, p + i, (size_t)len + 12);
		i += (size_t)len + 12;
		if (memcmp(type, "IEND", 4) == 0)
			return out->overflow ? rk_fail(err, RK_TOO_LARGE, "画像が大きすぎます (the image is too large)")
					     : RK_OK;
	}
	return rk_fail(err, RK_INVALID, "画像が途中で切れています (PNG: no IEND)");
}

static enum rk_status png_thumb(const unsigned char *p, size_t n, struct attach_result *r, struct rk_err *err)
{
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&img, p, n))
		return rk_fail(err, RK_INVALID, "画像を読み取れません (the PNG does not decode: %s)", img.message);
	r->width = (int)img.width;
	r->height = (int)img.height;
	if ((uint64_t)img.width * img.height > ATTACH_MAX_PIXELS) {
		png_image_free(&img);
		return rk_fail(err, RK_TOO_LARGE, "画像の画素数が多すぎます (%u×%u; at most %u pixels)", img.width,
			       img.height, ATTACH_MAX_PIXELS);
	}
	img.format = PNG_FORMAT_RGB;
	png_color white = {255, 255, 255}; /* transparency on white, as the page shows it */
	unsigned char *rgb = malloc(PNG_IMAGE_SIZE(img));
	if (!rgb)
		rk_oom();
	if (!png_image_finish_read(&img, &white, rgb, 0, NULL)) {
		free(rgb);
		png_image_free(&img);
		return rk_fail(err, RK_INVALID, "画像を読み取れません (the PNG does not decode: %s)", img.message);
	}
	int tw, th;
	unsigned char *small = shrink(rgb, (int)img.width, (int)img.height, &tw, &th);
	free(rgb);
	if (!small || !encode_jpeg(small, tw, th, &r->thumb, &r->thumb_len)) {
		free(small);
		return rk_fail(err, RK_INTERNAL, "サムネイルを作れませんでした (no thumbnail)");
	}
	free(small);
	return RK_OK;
}

/* ---- ISO base media (MP4, QuickTime; HEIC, AVIF) --------------------------- */

/* The box of type at the top of [p, p+n), or false. */
static bool find_box(const unsigned char *p, size_t n, const char *type, const unsigned char **body, size_t *len)
{
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t size = be32(p + i);
		size_t head = 8;
		if (size == 1) {
			if (i + 16 > n)
				return false;
			size = (uint64_t)be32(p + i + 8) << 32 | be32(p + i + 12);
			head = 16;
		} else if (size == 0) {
			size = n - i;
		}
		if (size < head || size > n - i)
			return false;
		if (memcmp(p + i + 4, type, 4) == 0) {
			*body = p + i + head;
			*len = (size_t)size - head;
			return true;
		}
		i += (size_t)size;
	}
	return false;
}

static bool contains(const unsigned char *p, size_t n, const unsigned char *needle, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			return true;
	return false;
}

static enum rk_status check_video(const unsigned char *p, size_t n, struct rk_err *err)
{
	const unsigned char *moov, *mvhd;
	size_t moov_len, mvhd_len;
	if (!find_box(p, n, "moov", &moov, &moov_len) || !find_box(moov, moov_len, "mvhd", &mvhd, &mvhd_len) ||
	    mvhd_len < 20)
		return rk_fail(err, RK_INVALID, "動画を読み取れません (no movie header: moov/mvhd)");
	uint64_t scale, dur;
	if (mvhd[0] == 1) {
		if (mvhd_len < 32)
			return rk_fail(err, RK_INVALID, "動画を読み取れません (short mvhd)");
		scale = be32(mvhd + 20);
		dur = (uint64_t)be32(mvhd + 24) << 32 | be32(mvhd + 28);
	} else {
		scale = be32(mvhd + 12);
		dur = be32(mvhd + 16);
	}
	if (!scale)
		return rk_fail(err, RK_INVALID, "動画を読み取れません (mvhd: no time scale)");
	if (dur / scale > ATTACH_MAX_VIDEO_S)
		return rk_fail(err, RK_TOO_LARGE, "動画が長すぎます（%llu 秒; %d 秒まで） (the video is too long)",
			       (unsigned long long)(dur / scale), ATTACH_MAX_VIDEO_S);
	/* where it was recorded: QuickTime ©xyz, 3GPP loci, and the Apple key */
	static const unsigned char xyz[] = {0xA9, 'x', 'y', 'z'};
	if (contains(moov, moov_len, xyz, 4) || contains(moov, moov_len, (const unsigned char *)"loci", 4) ||
	    contains(moov, moov_len, (const unsigned char *)"location.ISO6709", 16))
		return rk_fail(
			err, RK_INVALID,
			"撮影場所の記録された動画は送れません。端末の設定で位置情報を切ってから撮り直してください "
			"(the video records where it was taken)");
	return RK_OK;
}

/* ---- the check ------------------------------------------------------------ */

enum rk_status attach_check(const char *content_type, const unsigned char *bytes, size_t n, struct attach_result *out,
			    struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	const char *ct = content_type ? content_type : "";
	bool ftyp = n >= 12 && memcmp(bytes + 4, "ftyp", 4) == 0;
	if (ftyp) {
		static const char *const heif[] = {"heic", "heix", "hevc", "hevx", "heim",
						   "heis", "mif1", "msf1", "avif"};
		for (size_t i = 0; i < sizeof heif / sizeof heif[0]; i++)
			if (memcmp(bytes + 8, heif[i], 4) == 0)
				return rk_fail(
					err, RK_UNSUPPORTED_TYPE,
					"HEIC/HEIF（iPhone の写真形式）のままでは送れません。画面の「写真」から送ると JPEG "
					"に変換されます (HEIC/HEIF/AVIF: send it as JPEG)");
	}
	if (!n)
		return rk_fail(err, RK_INVALID, "添付が空です (the attachment is empty)");
	struct buf b;
	enum rk_status rc;
	if (type_is(ct, "image/jpeg") || type_is(ct, "image/png")) {
		bool jpeg = type_is(ct, "image/jpeg");
		if (n > ATTACH_MAX_IMAGE)
			return rk_fail(err, RK_TOO_LARGE,
				       "写真が大きすぎます（%zu バイト; %u まで） (the photo is too large)", n,
				       ATTACH_MAX_IMAGE);
		buf_init(&b, (size_t)ATTACH_MAX_IMAGE + 16);
		unsigned orientation = 0;
		rc = jpeg ? jpeg_strip(bytes, n, &b, &orientation, err) : png_strip(bytes, n, &b, err);
		if (rc == RK_OK)
			rc = jpeg ? jpeg_thumb((const unsigned char *)b.data, b.len, orientation, out, err)
				  : png_thumb((const unsigned char *)b.data, b.len, out, err);
		if (rc != RK_OK) {
			buf_free(&b);
			attach_result_free(out);
			return rc;
		}
		out->content_type = jpeg ? "image/jpeg" : "image/png";
	} else if (type_is(ct, "application/pdf")) {
		if (n > ATTACH_MAX_PDF)
			return rk_fail(err, RK_TOO_LARGE,
				       "PDF が大きすぎます（%zu バイト; %u まで） (the PDF is too large)", n,
				       ATTACH_MAX_PDF);
		size_t tail = n < 1024 ? n : 1024;
		if (n < 8 || memcmp(bytes, "%PDF-", 5) != 0 ||
		    !contains(bytes + n - tail, tail, (const unsigned char *)"%%EOF", 5))
			return rk_fail(err, RK_INVALID, "PDF として読めません (not a complete PDF: %%PDF- … %%%%EOF)");
		buf_init(&b, n + 1);
		buf_append(&b, bytes, n);
		out->content_type = "application/pdf";
	} else if (type_is(ct, "video/mp4") || type_is(ct, "video/quicktime")) {
		if (n > ATTACH_MAX_VIDEO)
			return rk_fail(err, RK_TOO_LARGE,
				       "動画が大きすぎます（%zu バイト; %u まで） (the video is too large)", n,
				       ATTACH_MAX_VIDEO);
		if (!ftyp)
			return rk_fail(err, RK_INVALID, "動画として読めません (not an MP4/QuickTime file: no ftyp)");
		if ((rc = check_video(bytes, n, err)) != RK_OK)
			return rc;
		buf_init(&b, n + 1);
		buf_append(&b, bytes, n);
		out->content_type = type_is(ct, "video/mp4") ? "video/mp4" : "video/quicktime";
	} else {
		return rk_fail(err, RK_UNSUPPORTED_TYPE,
			       "この種類のファイルは添付できません: %.60s（写真 JPEG/PNG、PDF、MP4 の動画が送れます） "
			       "(photos, PDFs and MP4 videos only)",
			       ct[0] ? ct : "(no Content-Type)");
	}
	size_t len = 0;
	out->data = (unsigned char *)buf_steal(&b, &len);
	out->len = len;
	return RK_OK;
}

void attach_result_free(struct attach_result *r)
{
	free(r->data);
	free(r->thumb);
	r->data = r->thumb = NULL;
	r->len = r->thumb_len = 0;
}
