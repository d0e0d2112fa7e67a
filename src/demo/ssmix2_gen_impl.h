/* ssmix2_gen_impl.h — what the SS-MIX2 generator's two halves share:
 * ssmix2_gen.c (the generator, each patient's story, the command) and
 * ssmix2_gen_msg.c (segments, the message of each data type, files).
 * Internal to ingest/; the public API is ssmix2_gen.h. */
#ifndef RENKEI_DEMO_SSMIX2_GEN_IMPL_H
#define RENKEI_DEMO_SSMIX2_GEN_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/rand.h"
#include "hl7/hl7.h"
#include "demo/ssmix2_gen.h"
#include "model/codes.h"
#include "demo/demo_data.h"

#define PATH_CAP 1024
#define DAY_MS   86400000LL
#define MSG_MAX  (4u << 20) /* one generated message; the largest (an admission's labs) is < 16 KB */

enum { D_INTERNAL, D_SURGERY, D_ORTHO, D_DERMA }; /* departments (ssmix2_gen_msg.c: depts) */

/* A chronic condition: its diagnosis, first-line and add-on medicines, how common. */
struct chronic {
	const char *dx;
	const char *med1, *med2;
	unsigned weight, min_age;
};

/* An acute episode seen as an outpatient. */
struct acute {
	const char *dx;
	const char *med1, *med2;
	int dept;
};

/* An admission: diagnosis, the drip (base + additive), ward, length of stay, imaging. */
struct admit {
	const char *dx;
	const char *base, *additive;
	int dept;
	const char *ward;
	unsigned min_days, max_days, min_age;
	int image; /* index in images */
	bool infection;
};

/* JJ1017 codes as in the SS-MIX2 sample messages. */
struct image {
	const char *order_code, *order_ja, *code, *ja, *modality;
};

struct ssmix2_gen {
	char root[PATH_CAP];
	size_t rootlen;
	char fac_code[11];
	char *fac_name, *fac_postal, *fac_address, *fac_phone;
	int64_t end_day;
	unsigned years;
	struct hl7_seps seps;
	struct buf msg; /* UTF-8 message being built */
	struct buf enc; /* its ISO-2022-JP form */
	struct buf tmp; /* text waiting to be escaped */
	char path[PATH_CAP];
	struct ssmix2_gen_stats st;
	int64_t started_ms;
	int field; /* current field number of the segment being written */
};

#define MAX_DX     24
#define MAX_VISITS 160
#define MAX_MEDS   8
#define MAX_MADE   512

struct dx {
	const struct codes_diagnosis *d;
	int64_t onset, resolved; /* days; resolved 0 = ongoing */
	int dept;
	uint32_t id;
};

struct pt {
	struct ssmix2_gen *g;
	const struct ssmix2_person *p;
	struct rng r;
	bool male;
	int age; /* at end_day */
	const struct demo_name *doc_fam, *doc_given, *nurse_fam, *nurse_given;
	char doc_id[8], nurse_id[8];
	const struct chronic *chr[6];
	size_t nchr;
	const struct codes_medicine *meds[MAX_MEDS]; /* the chronic prescription */
	size_t nmeds;
	struct dx dx[MAX_DX];
	size_t ndx;
	double base[64]; /* per lab (index in codes_labs): the person's usual value */
	int64_t begin, end, first_visit;
	unsigned seq, ctl;
	int64_t last_ms; /* timestamps never go back */
	struct rk_err *err;
	/* folders made for this patient ("PID", "date", "date/type"), so that a
	 * file costs open+write+close and a new folder one mkdir */
	char made[MAX_MADE][24];
	size_t nmade;
};

struct stay {
	const struct admit *a;
	int64_t day, days; /* admission day and length */
	char room[8], bed[4];
	char visit[16];
	int64_t admit_ms; /* ADT-22's time (0 before it) */
};

struct rx {
	const struct codes_medicine *m;
	double dose; /* per intake */
	unsigned days;
};

/* ---- ssmix2_gen_msg.c ---- */
enum rk_status ssmix2_mkdirs(char *path, size_t from, struct rk_err *err);
bool ssmix2_jis_ok(struct buf *scratch, const char *s);
void ssmix2_fmt_day(int64_t day, char out[9]);
double ssmix2_unit(struct pt *t);
double ssmix2_gauss(struct pt *t);
bool ssmix2_has_chronic(const struct pt *t, const char *dx);
int64_t ssmix2_stamp(struct pt *t, int64_t day, int hour);
void ssmix2_order_no(struct pt *t, int64_t day, char out[16]);
void ssmix2_lab_baseline(struct pt *t);

enum rk_status ssmix2_msg_adt00(struct pt *t, int64_t ms, const char *postal, const char *address, char flag,
				const struct codes_allergen *const *allergies, size_t nall);
enum rk_status ssmix2_msg_adt12(struct pt *t, int64_t ms, int dept);
enum rk_status ssmix2_msg_adt_stay(struct pt *t, const char *type, const char *msg9, int64_t ms, const struct stay *s,
				   int64_t admit_ms, int64_t discharge_ms, const char *prior_room);
enum rk_status ssmix2_msg_adt61(struct pt *t, int64_t ms, const struct codes_allergen *const *all, size_t n);
enum rk_status ssmix2_msg_ppr01(struct pt *t, int64_t ms, char flag);
enum rk_status ssmix2_msg_omp01(struct pt *t, int64_t ms, const char *order, const struct rx *rx, size_t n, int dept,
				const struct stay *s, const char *control, char flag);
enum rk_status ssmix2_msg_omp02(struct pt *t, int64_t ms, const char *order, const struct stay *s, unsigned ndays);
enum rk_status ssmix2_msg_ras(struct pt *t, bool injection, int64_t day, const char *order, const struct stay *s,
			      unsigned group);
enum rk_status ssmix2_msg_oml11(struct pt *t, int64_t day, int dept, const struct stay *s, double inflammation,
				bool correct);
enum rk_status ssmix2_msg_imaging(struct pt *t, int64_t day, int dept, const struct stay *s, const struct image *im);
enum rk_status ssmix2_msg_ecg(struct pt *t, int64_t day, int dept, const struct stay *s);
enum rk_status ssmix2_msg_omd(struct pt *t, int64_t day, const struct stay *s, int diet);

#endif
