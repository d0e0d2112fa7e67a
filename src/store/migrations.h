/* migrations.h — the numbered schema migrations embedded in the binary
 * (generated from src/store/schema/ at build time). Internal to store/. */
#ifndef RENKEI_STORE_MIGRATIONS_H
#define RENKEI_STORE_MIGRATIONS_H

struct store_migration {
	int version;
	const char *name;
	const char *sql; /* portable SQL with dialect tokens */
};

extern const struct store_migration store_migrations[];
extern const unsigned store_migrations_len;

#endif
