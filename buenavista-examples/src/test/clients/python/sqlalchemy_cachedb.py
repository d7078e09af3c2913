"""SQLAlchemy (psycopg2 dialect) against `buenavista.jar cachedb`: the token as the password in a URL, the dialect's
initialisation queries on connect, then person by a :name parameter. Command line: see cachedb_args.py.
"""
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from cachedb_args import CONNECT_TIMEOUT, USER, arguments
from checks import check


def main(port, token, user_id, cases):
    for database, year in cases:
        engine = create_engine(URL.create("postgresql+psycopg2", username=USER, password=token, host="127.0.0.1",
                                          port=port, database=database,
                                          query={"sslmode": "disable", "connect_timeout": str(CONNECT_TIMEOUT)}))
        with engine.connect() as conn:
            rows = conn.execute(text("select * from cdmdefault.person where person_id = :id"), {"id": 2}).all()
            check([tuple(r) for r in rows], [(2, year)], f"{database}: person by parameter")
            check(conn.execute(text("select current_setting('cachedb.user_id')")).scalar(), user_id,
                  f"{database}: cachedb.user_id")
        engine.dispose()


if __name__ == "__main__":
    main(*arguments())
