/* progress.c — see progress.h. Only time and stdio: no state beyond the
 * struct, so a command may run phases back to back. */
#include "core/progress.h"

#include "core/time.h"

#define TTY_INTERVAL_MS   200
#define PLAIN_INTERVAL_MS 10000

void progress_init(struct progress *p, FILE *out, bool tty)
{
	*p = (struct progress){.out = out, .tty = tty};
}

void progress_fmt_eta(int64_t s, char out[32])
{
	if (s < 0)
		snprintf(out, 32, "--:--");
	else if (s >= 3600)
		snprintf(out, 32, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
			 (long long)(s % 60));
	else
		snprintf(out, 32, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

static void draw(struct progress *p, int64_t done, bool last)
{
	int64_t now = time_mono_ms();
	double secs = (double)(now - p->t0_ms) / 1000.0;
	double rate = secs > 0 ? (double)done / secs : 0;
	char eta[32];
	progress_fmt_eta(p->total > 0 && rate > 0 && !last ? (int64_t)((double)(p->total - done) / rate) : -1, eta);
	int pct = p->total > 0 ? (int)(100 * (done < p->total ? done : p->total) / p->total) : 100;
	if (p->tty) {
		char bar[31];
		int fill = pct * 30 / 100;
		for (int i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[30] = '\0';
		if (last)
			fprintf(p->out, "\r%-18s [%s] %3d%% %lld %s in %.1f s (%.0f/s)\033[K\n", p->phase, bar, pct,
				(long long)done, p->unit, secs, rate);
		else
			fprintf(p->out, "\r%-18s [%s] %3d%% %lld/%lld %s  %.0f/s  ETA %s\033[K", p->phase, bar, pct,
				(long long)done, (long long)p->total, p->unit, rate, eta);
	} else if (last) {
		fprintf(p->out, "%s: %lld %s in %.1f s (%.0f/s)\n", p->phase, (long long)done, p->unit, secs, rate);
	} else {
		fprintf(p->out, "%s: %lld/%lld %s (%d%%), %.0f/s, ETA %s\n", p->phase, (long long)done,
			(long long)p->total, p->unit, pct, rate, eta);
	}
	fflush(p->out);
	p->last_ms = now;
}

void progress_phase(struct progress *p, const char *phase, const char *unit, int64_t total)
{
	p->phase = phase;
	p->unit = unit;
	p->total = total;
	p->t0_ms = p->last_ms = time_mono_ms();
	p->open = true;
	if (p->tty)
		draw(p, 0, false);
}

void progress_update(struct progress *p, int64_t done)
{
	if (!p->open)
		return;
	int64_t now = time_mono_ms();
	if (now - p->last_ms >= (p->tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS))
		draw(p, done, false);
}

void progress_end(struct progress *p, int64_t done)
{
	if (!p->open)
		return;
	draw(p, done, true);
	p->open = false;
}
