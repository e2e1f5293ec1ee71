/* lock-db.c — test helper for bad-input.sh: hold an exclusive SQLite lock on
 * DB (as another process writing it would), print "locked", and keep it for
 * SECONDS or until killed.  The sqlite3 shell is not installed everywhere. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  sqlite3 *db;
  if (argc != 3)
    {
      fprintf (stderr, "usage: lock-db DB SECONDS\n");
      return 2;
    }
  if (sqlite3_open (argv[1], &db) != SQLITE_OK
      || sqlite3_exec (db, "BEGIN EXCLUSIVE; CREATE TABLE lock_db_probe (a);", NULL, NULL,
                       NULL) != SQLITE_OK)
    {
      fprintf (stderr, "lock-db: %s\n", sqlite3_errmsg (db));
      return 1;
    }
  printf ("locked\n");
  fflush (stdout);
  sleep ((unsigned) atoi (argv[2]));
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (db);
  return 0;
}
