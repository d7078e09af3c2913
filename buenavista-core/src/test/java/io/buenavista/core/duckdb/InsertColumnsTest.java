package io.buenavista.core.duckdb;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InsertColumnsTest {
    private final List<List<String>> asked = new ArrayList<>();

    private List<String> columns(List<String> name) {
        asked.add(name);
        return name.get(name.size() - 1).equals("nope") ? null : List.of("id", "Name", "created");
    }

    @Test
    void fewerValuesThanColumnsNameTheFirstColumns() {
        assertEquals("insert into t (\"id\") values (1)", InsertColumns.withColumnList("insert into t values (1)",
                this::columns));
        assertEquals("INSERT INTO s.\"T\" (\"id\", \"Name\") VALUES (f(1, 2), ARRAY[1, 2]), (3, 4)",
                InsertColumns.withColumnList("INSERT INTO s.\"T\" VALUES (f(1, 2), ARRAY[1, 2]), (3, 4)",
                        this::columns));
        assertEquals(List.of(List.of("t"), List.of("s", "T")), asked);
    }

    @Test
    void everyOtherInsertStaysAsWritten() {
        for (String sql : new String[] {"insert into t values (1, 'a', now())", "insert into t (id) values (1)",
                "insert into t default values", "insert into t select 1", "insert into nope values (1)",
                "select 1", "insert into t values ()", "insert into t values (1"}) {
            assertEquals(sql, InsertColumns.withColumnList(sql, this::columns), sql);
        }
    }
}
