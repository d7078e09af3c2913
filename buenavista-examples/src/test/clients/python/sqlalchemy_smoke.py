"""SQLAlchemy 1.4 (psycopg2 dialect) against a Buena Vista DuckDB server.

Usage: python3 sqlalchemy_smoke.py PORT [FIXTURE_PORT]
Prints one "ok: <step>" line per passed step; any failure raises, so the exit code is non-zero.
Connecting runs SQLAlchemy's dialect initialisation: select pg_catalog.version() (parsed for the server version),
select current_schema(), show standard_conforming_strings, show transaction isolation level and the hstore
OID lookup in pg_type.
"""
import sys

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, inspect, select, text
from checks import check


def main(port, fixture_port):
    engine = create_engine(f"postgresql+psycopg2://smoke@127.0.0.1:{port}/smoke?sslmode=disable")
    with engine.connect() as conn:
        check((engine.dialect.server_version_info[0] >= 10, engine.dialect.default_schema_name), (True, "public"),
              "connect")
        check(conn.execute(text("select :x + 1"), {"x": 41}).scalar(), 42, "parameters")
        check(conn.execute(text("select current_database(), current_user")).one(), ("smoke", "smoke"),
              "identity functions")

    metadata = MetaData()
    table = Table("sa_smoke", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
                  Column("name", String(20)))
    metadata.create_all(engine)  # asks has_table() through pg_class first
    try:
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}])
        with engine.connect() as conn:
            rows = conn.execute(select(table.c.name).where(table.c.id >= 2).order_by(table.c.id)).all()
            check([r.name for r in rows], ["b", "c"], "insert and select round trip")
            insp = inspect(conn)
            check(("sa_smoke" in insp.get_table_names(), [c["name"] for c in insp.get_columns("sa_smoke")]),
                  (True, ["id", "name"]), "reflection")
            check(insp.get_pk_constraint("sa_smoke"), {"constrained_columns": ["id"], "name": "sa_smoke_pkey"},
                  "primary key reflection")
            reflected = Table("sa_smoke", MetaData(), autoload_with=conn)
            check([c.name for c in reflected.primary_key], ["id"], "table autoload")
    finally:
        metadata.drop_all(engine)

    if fixture_port is not None:
        # The server attaches the fixture read-only as schema "testschema" (--attach); its columns are upper case.
        fixture = create_engine(f"postgresql+psycopg2://smoke@127.0.0.1:{fixture_port}/smoke?sslmode=disable")
        with fixture.connect() as conn:
            rows = conn.execute(text("SELECT * FROM testschema.person WHERE person_id = :id"), {"id": 1}).mappings().all()
            check([(r["PERSON_ID"], r["YEAR_OF_BIRTH"], r["PERSON_SOURCE_VALUE"]) for r in rows],
                  [(1, 1923, "00013D2EFD8E45D1")], "cachedb fixture")

if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None)
