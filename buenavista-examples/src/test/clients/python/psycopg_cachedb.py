"""psycopg 3 against `buenavista.jar cachedb`: the token as the password, person by a %s parameter bound on the
server (extended protocol), once unnamed and once as a prepared statement. Command line: see cachedb_args.py.
"""
import psycopg

from cachedb_args import CONNECT_TIMEOUT, USER, arguments
from checks import check


def main(port, token, user_id, cases):
    for database, year in cases:
        with psycopg.connect(host="127.0.0.1", port=port, user=USER, password=token, dbname=database,
                             sslmode="disable", connect_timeout=CONNECT_TIMEOUT) as conn:
            for prepare in (False, True):
                rows = conn.execute("select * from cdmdefault.person where person_id = %s", (2,),
                                    prepare=prepare).fetchall()
                check(rows, [(2, year)], f"{database}: person by parameter (prepare={prepare})")
            check(conn.execute("select current_setting('cachedb.user_id')").fetchone(), (user_id,),
                  f"{database}: cachedb.user_id")


if __name__ == "__main__":
    main(*arguments())
