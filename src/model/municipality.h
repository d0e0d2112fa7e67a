/* municipality.h — 全国地方公共団体コード (the local government code of 総務省):
 * 6 digits, the first two the prefecture (01 北海道 … 47 沖縄県), the next
 * three the municipality (000 for the prefecture itself), the last a check
 * digit ((11 − Σ dᵢ·wᵢ mod 11) mod 10 with weights 6, 5, 4, 3, 2). Disaster
 * mode (災害モード) is declared by these codes; a facility's municipality and
 * the ones it serves are kept as a code list " 202029 202207 " (a leading and
 * trailing space, one between codes). Pure. */
#ifndef RENKEI_MODEL_MUNICIPALITY_H
#define RENKEI_MODEL_MUNICIPALITY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/str.h"

#define MUNICIPALITY_CODE_LEN 6
/* the longest code list kept for a facility or a declaration */
#define MUNICIPALITY_MAX_CODES 32
#define MUNICIPALITY_LIST_CAP  (MUNICIPALITY_MAX_CODES * (MUNICIPALITY_CODE_LEN + 1) + 2)

/* 6 digits, a known prefecture (01–47) and the right check digit. */
bool municipality_code_valid(struct str code);
/* A prefecture's own code (municipality digits 000), e.g. 200000 長野県. */
bool municipality_is_prefecture(struct str code);
/* Whether a declared code covers a facility's code: equal, or the declared
 * one is the facility's prefecture. Both must be valid. */
bool municipality_code_covers(struct str declared, struct str facility);
/* Whether any code of the declared list covers any code of the facility's. */
bool municipality_list_covers(const char *declared, const char *facility);

/* Appends a valid code to a list buffer of cap bytes (" " when empty) unless
 * already there; false when it is invalid or the list is full. */
bool municipality_list_add(char *list, size_t cap, struct str code);

#endif
