/* badly_formatted.c — a fixture for tests/style/check.sh: check-style must
 * refuse it (misformatted and calling a banned function). Never built. */
#include <stdio.h>
int  demo( int x ){char b[8];   sprintf(b,"%d",x); return b[0];}
