#include "cpostgres.h"

static void cpostgres_ignore_notice(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

void cpostgres_silence_notices(PGconn *conn) { PQsetNoticeProcessor(conn, cpostgres_ignore_notice, NULL); }
