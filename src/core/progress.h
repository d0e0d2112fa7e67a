/* progress.h — a progress report for long commands (`renkei demo`, `renkei
 * import ssmix2`): on a terminal, one line redrawn in place with the phase, a
 * bar, count/total, rate and ETA; otherwise (a log, CI) a plain line per
 * phase every few seconds and at its end, so a pipe is never flooded and
 * never silent for long. Writes to the FILE given (stderr in the commands). */
#ifndef RENKEI_CORE_PROGRESS_H
#define RENKEI_CORE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE *out;
	bool tty;          /* redraw in place (out is a terminal) */
	const char *phase; /* "people", "import 2011000011", ... */
	const char *unit;  /* "people", "files" */
	int64_t total;     /* 0: unknown (no bar, no ETA) */
	int64_t t0_ms, last_ms;
	bool open; /* a phase is running */
};

/* Report to out; tty decides the form (pass isatty(fileno(out))). */
void progress_init(struct progress *p, FILE *out, bool tty);

/* A new phase of total units (ends the previous one). phase and unit must
 * outlive the phase. */
void progress_phase(struct progress *p, const char *phase, const char *unit, int64_t total);

/* done units of the phase so far; drawn at most 5 times a second on a
 * terminal, every 10 s otherwise. */
void progress_update(struct progress *p, int64_t done);

/* The phase is over: its last line, with done units and the time taken. */
void progress_end(struct progress *p, int64_t done);

/* "m:ss" or "h:mm:ss"; "--:--" for a negative (unknown) number of seconds. */
void progress_fmt_eta(int64_t seconds, char out[32]);

#endif
