#ifndef CPOSTGRES_H
#define CPOSTGRES_H
#include <postgresql/libpq-fe.h>
// libpq prints server NOTICEs ("relation already exists, skipping") to stderr; Herald's log is
// its own, so the connection's notices are dropped here (a C callback Swift cannot pass as is).
void cpostgres_silence_notices(PGconn *conn);
#endif
